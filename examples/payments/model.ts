/**
 * The payments domain: topics, stores, the records on them, and the rules a request must pass.
 *
 * Money is counted in whole cents (integers), so every sum is exact. An account exists once it is
 * opened with a record on the `accounts` topic (key = account id, value = `{ openingBalance }`);
 * opening balances are immutable and accounts are never closed, so an account's balance is always
 * its opening balance plus the payments that moved money in or out of it.
 */
import { Serdes } from 'kstreams'
import type { Serde } from 'kstreams'

/** Prefixed to every topic name (default none), so that several copies of the app can share a cluster. */
const prefix = process.env.PAYMENTS_TOPIC_PREFIX ?? ''

export const TOPICS = Object.freeze({
  /** Opened accounts (compacted): account id → `Account`. */
  accounts: `${prefix}accounts`,
  /** Payment requests, as JSON `PaymentRequest`s (anything else is dead-lettered). */
  inflight: `${prefix}payment-inflight`,
  /** `DEBIT` events keyed by the from account, `CREDIT` events keyed by the to account. */
  payment: `${prefix}payment`,
  /** Settled payments, keyed by payment id. */
  complete: `${prefix}payment-complete`,
  /** Refused payments with the reason, keyed by payment id. */
  rejected: `${prefix}payment-rejected`,
  /** Requests that could not be read, as they arrived, with the reason in the headers. */
  dlq: `${prefix}payments-dlq`,
})

export const STORES = Object.freeze({
  /** The global table of opened accounts. */
  accounts: 'accounts',
  /** Balances including payments still in flight (read-uncommitted). */
  inflight: 'balance-inflight',
  /** Balances of settled payments only (read-committed). */
  confirmed: 'balance-confirmed',
  /** The payment processor's own balances, which DEBITs are checked against. */
  ledger: 'payment-ledger',
})

export interface Account {
  readonly openingBalance: number
}

export interface PaymentRequest {
  readonly id: string
  readonly from: string
  readonly to: string
  /** Cents, a positive whole number. */
  readonly amount: number
}

export interface PaymentEvent extends PaymentRequest {
  readonly type: 'DEBIT' | 'CREDIT'
}

export type RejectionCode = 'INVALID_AMOUNT' | 'SELF_PAYMENT' | 'UNKNOWN_ACCOUNT' | 'INSUFFICIENT_FUNDS'

export interface PaymentRejection {
  readonly payment: PaymentRequest
  readonly code: RejectionCode
  readonly reason: string
  /**
   * `REQUEST`: refused before it was in flight (no balance moved). `DEBIT`: refused by the payment
   * processor after the in-flight balance counted it, which therefore moves it back.
   */
  readonly stage: 'REQUEST' | 'DEBIT'
}

/** Headers of a dead-lettered record: Kafka Streams' names (KIP-1034), for when the DLQ policy lands. */
export const DLQ_HEADERS = Object.freeze({
  exception: '__streams.errors.exception',
  message: '__streams.errors.message',
  topic: '__streams.errors.topic',
  partition: '__streams.errors.partition',
  offset: '__streams.errors.offset',
})

/** The correlation id a client may send with a request (the load generator always does). */
export const REQUEST_ID_HEADER = 'payment-request-id'

export const keySerde: Serde<string> = Serdes.string()
export const accountSerde: Serde<Account> = Serdes.json<Account>()
export const eventSerde: Serde<PaymentEvent> = Serdes.json<PaymentEvent>()
export const requestSerde: Serde<PaymentRequest> = Serdes.json<PaymentRequest>()
export const rejectionSerde: Serde<PaymentRejection> = Serdes.json<PaymentRejection>()

export type ParsedRequest = { readonly ok: true; readonly request: PaymentRequest } | { readonly ok: false; readonly reason: string }

/**
 * Reads a request's bytes. Only the shape is checked here — JSON object, string ids, a numeric
 * amount; a request that fails is malformed and dead-lettered, since nobody can be told it was
 * refused. Business rules (`requestProblem`) come after.
 */
export function parseRequest(value: Buffer | null): ParsedRequest {
  if (value === null) return { ok: false, reason: 'malformed request: no value' }
  let json: unknown
  try {
    json = JSON.parse(value.toString('utf8'))
  } catch (error) {
    return { ok: false, reason: `malformed JSON: ${(error as Error).message}` }
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, reason: 'malformed request: not a JSON object' }
  const r = json as { [field: string]: unknown }
  for (const field of ['id', 'from', 'to'] as const) {
    if (typeof r[field] !== 'string' || r[field] === '') return { ok: false, reason: `malformed request: "${field}" must be a non-empty string` }
  }
  if (typeof r.amount !== 'number' || !Number.isFinite(r.amount)) return { ok: false, reason: 'malformed request: "amount" must be a number' }
  return { ok: true, request: { id: r.id as string, from: r.from as string, to: r.to as string, amount: r.amount } }
}

export interface Problem {
  readonly code: RejectionCode
  readonly reason: string
}

/** Why a well-formed request must be refused before it is in flight, or undefined when it may go on. */
export function requestProblem(request: PaymentRequest, isOpen: (account: string) => boolean): Problem | undefined {
  const { amount, from, to } = request
  if (!Number.isSafeInteger(amount)) return { code: 'INVALID_AMOUNT', reason: `amount must be a whole number of cents, got ${amount}` }
  if (amount <= 0) return { code: 'INVALID_AMOUNT', reason: `amount must be positive, got ${amount}` }
  if (from === to) return { code: 'SELF_PAYMENT', reason: `payment from account "${from}" to itself` }
  for (const account of [from, to]) {
    if (!isOpen(account)) return { code: 'UNKNOWN_ACCOUNT', reason: `unknown account "${account}"` }
  }
  return undefined
}

/** A payment's effect on balances: money leaves `from` and reaches `to` (`sign` -1 undoes it). */
export function movements(payment: PaymentRequest, sign: 1 | -1): Array<{ key: string; value: number }> {
  return [
    { key: payment.from, value: -sign * payment.amount },
    { key: payment.to, value: sign * payment.amount },
  ]
}

/** Cents as `1,234.56`. */
export function formatMoney(cents: number): string {
  const sign = cents < 0 ? '-' : ''
  const abs = Math.abs(cents)
  return `${sign}${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`
}
