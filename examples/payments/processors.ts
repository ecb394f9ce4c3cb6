/**
 * The three stream processors of the payments flow (Processor API). Each one is synchronous per
 * record; their state lives in stores the runtime logs to changelogs and restores.
 */
import { Record } from 'kstreams'
import type { Headers, KeyValueStore, Processor, ProcessorContext, TimestampedKeyValueStore } from 'kstreams'
import { DLQ_HEADERS, parseRequest, requestProblem, STORES, TOPICS } from './model.ts'
import type { Account, PaymentEvent, PaymentRejection, PaymentRequest } from './model.ts'

/** What became of a request: it goes on, it is refused, or it cannot be read. */
export type CheckedRequest =
  | { readonly kind: 'accepted'; readonly payment: PaymentRequest }
  | { readonly kind: 'rejected'; readonly rejection: PaymentRejection }
  | { readonly kind: 'dead-letter'; readonly key: Buffer | null; readonly value: Buffer | null }

/** What the payment processor made of a DEBIT or CREDIT. */
export type Settlement =
  | { readonly kind: 'credit'; readonly event: PaymentEvent }
  | { readonly kind: 'rejected'; readonly rejection: PaymentRejection }
  | { readonly kind: 'complete'; readonly payment: PaymentRequest }

type Accounts = TimestampedKeyValueStore<string, Account>

/**
 * Business metric `payments_total{outcome, stage}` (plus the application, task and node labels
 * kstreams adds): requests accepted, rejected or malformed at the request stage, rejected at the
 * debit, completed at the credit.
 */
function paymentOutcomes(context: ProcessorContext<any, any>) {
  return context.metrics.counter({ name: 'payments_total', help: 'Payments by outcome and stage', labelNames: ['outcome', 'stage'] })
}

type PaymentOutcomes = ReturnType<typeof paymentOutcomes>

function openingBalance(accounts: Accounts, account: string): number | undefined {
  return accounts.get(account)?.value.openingBalance
}

/**
 * The front of the in-flight balance processor: reads raw request bytes, so that a request it
 * cannot read is dead-lettered as it arrived instead of stopping the app, and checks the rules
 * that need no balance (against the global `accounts` table). Accepted requests are re-keyed by
 * the from account, which is where their DEBIT goes.
 */
export class RequestValidator implements Processor<Buffer | null, Buffer | null, string | null, CheckedRequest> {
  readonly #onRecord: () => void
  #context!: ProcessorContext<string | null, CheckedRequest>
  #accounts!: Accounts
  #outcomes!: PaymentOutcomes

  constructor(onRecord: () => void) {
    this.#onRecord = onRecord
  }

  init(context: ProcessorContext<string | null, CheckedRequest>): void {
    this.#context = context
    this.#accounts = context.getStateStore<Accounts>(STORES.accounts)
    this.#outcomes = paymentOutcomes(context)
  }

  process(record: Record<Buffer | null, Buffer | null>): void {
    this.#onRecord()
    const parsed = parseRequest(record.value)
    if (!parsed.ok) {
      const m = this.#context.recordMetadata()
      const headers: Headers = {
        ...record.headers,
        [DLQ_HEADERS.exception]: 'MalformedPaymentRequest',
        [DLQ_HEADERS.message]: parsed.reason,
        [DLQ_HEADERS.topic]: m?.topic ?? TOPICS.inflight,
        [DLQ_HEADERS.partition]: String(m?.partition ?? -1),
        [DLQ_HEADERS.offset]: String(m?.offset ?? -1),
      }
      this.#outcomes.inc({ outcome: 'malformed', stage: 'request' })
      this.#context.forward(new Record(null, { kind: 'dead-letter', key: record.key, value: record.value }, record.timestamp, headers))
      return
    }
    const payment = parsed.request
    const problem = requestProblem(payment, (account) => openingBalance(this.#accounts, account) !== undefined)
    if (problem !== undefined) {
      const rejection: PaymentRejection = { payment, ...problem, stage: 'REQUEST' }
      this.#outcomes.inc({ outcome: 'rejected', stage: 'request' })
      this.#context.forward(new Record(payment.id, { kind: 'rejected', rejection }, record.timestamp, record.headers))
      return
    }
    this.#outcomes.inc({ outcome: 'accepted', stage: 'request' })
    this.#context.forward(new Record(payment.from, { kind: 'accepted', payment }, record.timestamp, record.headers))
  }
}

/**
 * The payment processor, one task per partition of `payment`, so every account's DEBITs and
 * CREDITs meet in one place: a DEBIT is checked against the from account's balance in the
 * ledger and becomes a CREDIT for the to account; the CREDIT completes the payment. An account
 * the ledger has not seen yet starts at its opening balance.
 */
export class PaymentProcessor implements Processor<string, PaymentEvent, string, Settlement> {
  readonly #onRecord: () => void
  #context!: ProcessorContext<string, Settlement>
  #ledger!: KeyValueStore<string, number>
  #accounts!: Accounts
  #outcomes!: PaymentOutcomes

  constructor(onRecord: () => void) {
    this.#onRecord = onRecord
  }

  init(context: ProcessorContext<string, Settlement>): void {
    this.#context = context
    this.#ledger = context.getStateStore<KeyValueStore<string, number>>(STORES.ledger)
    this.#accounts = context.getStateStore<Accounts>(STORES.accounts)
    this.#outcomes = paymentOutcomes(context)
  }

  process(record: Record<string, PaymentEvent>): void {
    this.#onRecord()
    const event = record.value
    // Only this app writes `payment`; anything else there is skipped rather than trusted.
    if (event === null || typeof event !== 'object' || (event.type !== 'DEBIT' && event.type !== 'CREDIT')) return
    const { type, ...payment } = event
    if (type === 'DEBIT') this.#debit(record, payment)
    else this.#credit(record, payment)
  }

  #balance(account: string): number | undefined {
    return this.#ledger.get(account) ?? openingBalance(this.#accounts, account)
  }

  #debit(record: Record<string, PaymentEvent>, payment: PaymentRequest): void {
    const balance = this.#balance(payment.from)
    let rejection: PaymentRejection | undefined
    if (balance === undefined) {
      rejection = { payment, code: 'UNKNOWN_ACCOUNT', reason: `unknown account "${payment.from}"`, stage: 'DEBIT' }
    } else if (balance < payment.amount) {
      rejection = { payment, code: 'INSUFFICIENT_FUNDS', reason: `insufficient funds: balance ${balance}, amount ${payment.amount}`, stage: 'DEBIT' }
    }
    if (rejection !== undefined) {
      this.#outcomes.inc({ outcome: 'rejected', stage: 'debit' })
      this.#context.forward(new Record(payment.id, { kind: 'rejected', rejection }, record.timestamp, record.headers))
      return
    }
    this.#ledger.put(payment.from, balance! - payment.amount)
    const credit: PaymentEvent = { ...payment, type: 'CREDIT' }
    this.#context.forward(new Record(payment.to, { kind: 'credit', event: credit }, record.timestamp, record.headers))
  }

  #credit(record: Record<string, PaymentEvent>, payment: PaymentRequest): void {
    // The request was checked against the accounts table, and accounts are never closed, so the
    // to account exists; were the table to lag here, it would start from zero.
    this.#ledger.put(payment.to, (this.#balance(payment.to) ?? 0) + payment.amount)
    this.#outcomes.inc({ outcome: 'completed', stage: 'credit' })
    this.#context.forward(new Record(payment.id, { kind: 'complete', payment }, record.timestamp, record.headers))
  }
}

/**
 * The balance processor: adds each movement (account → signed cents) to the account's balance,
 * starting from the opening balance. The app runs two instances of it: over in-flight payments
 * (`balance-inflight`) and over completed ones (`balance-confirmed`).
 */
export class BalanceProcessor implements Processor<string, number> {
  readonly #storeName: string
  readonly #onRecord: () => void
  #balances!: KeyValueStore<string, number>
  #accounts!: Accounts

  constructor(storeName: string, onRecord: () => void) {
    this.#storeName = storeName
    this.#onRecord = onRecord
  }

  init(context: ProcessorContext<never, never>): void {
    this.#balances = context.getStateStore<KeyValueStore<string, number>>(this.#storeName)
    this.#accounts = context.getStateStore<Accounts>(STORES.accounts)
  }

  process(record: Record<string, number>): void {
    this.#onRecord()
    const account = record.key
    const current = this.#balances.get(account) ?? openingBalance(this.#accounts, account) ?? 0
    this.#balances.put(account, current + record.value)
  }
}
