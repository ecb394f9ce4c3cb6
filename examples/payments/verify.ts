/**
 * How a run is judged: what became of every request (read back from the committed output topics,
 * as any downstream consumer would), and whether the balances add up once nothing is in flight.
 */
import type { KafkaClient, KafkaStreams } from 'kstreams'
import { OutputFollower } from '../shared/output-follower.ts'
import type { Check } from '../shared/summary.ts'
import { paymentRequests } from './load.ts'
import type { LoadOptions, LoadRecord } from './load.ts'
import { formatMoney, movements, REQUEST_ID_HEADER, STORES, TOPICS } from './model.ts'
import type { Account, PaymentRejection, PaymentRequest, RejectionCode } from './model.ts'

export type Outcome = 'COMPLETE' | 'DEAD_LETTER' | RejectionCode

export type { Check }

/**
 * Follows `payment-complete`, `payment-rejected` and `payments-dlq` with read_committed, so an
 * aborted transaction's output never counts, and keeps the outcome of each of this run's requests.
 */
export class OutcomeTracker {
  readonly #follower: OutputFollower
  readonly #prefix: string
  readonly #outcomes = new Map<string, Outcome>()
  readonly byOutcome = new Map<Outcome, number>()
  /** Net cents each account gained (or lost) through this run's completed payments. */
  readonly settled = new Map<string, number>()
  duplicates = 0

  constructor(client: KafkaClient, runId: string) {
    this.#prefix = `${runId}-`
    this.#follower = new OutputFollower(client, `payments-verifier-${runId}`, [TOPICS.complete, TOPICS.rejected, TOPICS.dlq], (topic, value, headers) =>
      this.#record(topic, value, headers[REQUEST_ID_HEADER]))
  }

  start(): Promise<void> {
    return this.#follower.start()
  }

  /** Requests of this run with an outcome. */
  get resolved(): number {
    return this.#outcomes.size
  }

  count(outcome: Outcome): number {
    return this.byOutcome.get(outcome) ?? 0
  }

  outcome(id: string): Outcome | undefined {
    return this.#outcomes.get(id)
  }

  close(): Promise<void> {
    return this.#follower.close()
  }

  #record(topic: string, value: Buffer | null, idHeader: Buffer | undefined): void {
    let id: string | undefined
    let outcome: Outcome
    let payment: PaymentRequest | undefined
    if (topic === TOPICS.dlq) {
      id = idHeader?.toString()
      outcome = 'DEAD_LETTER'
    } else if (topic === TOPICS.complete) {
      payment = JSON.parse(String(value)) as PaymentRequest
      id = payment.id
      outcome = 'COMPLETE'
    } else {
      const rejection = JSON.parse(String(value)) as PaymentRejection
      id = rejection.payment.id
      outcome = rejection.code
    }
    if (id === undefined || !id.startsWith(this.#prefix)) return
    if (this.#outcomes.has(id)) {
      this.duplicates++
      return
    }
    this.#outcomes.set(id, outcome)
    this.byOutcome.set(outcome, (this.byOutcome.get(outcome) ?? 0) + 1)
    if (payment !== undefined) {
      for (const { key, value: cents } of movements(payment, 1)) this.settled.set(key, (this.settled.get(key) ?? 0) + cents)
    }
  }
}

const EXPECTED: { readonly [K in LoadRecord['kind']]: ReadonlyArray<Outcome> } = {
  'payment': ['COMPLETE', 'INSUFFICIENT_FUNDS'],
  'malformed-json': ['DEAD_LETTER'],
  'missing-field': ['DEAD_LETTER'],
  'unknown-account': ['UNKNOWN_ACCOUNT'],
  'non-positive': ['INVALID_AMOUNT'],
  'self-payment': ['SELF_PAYMENT'],
}

/** Every request has exactly one outcome, and the one its kind calls for (the load is replayed from its seed). */
export function outcomeChecks(tracker: OutcomeTracker, load: LoadOptions): Check[] {
  const wrong: string[] = []
  for (const r of paymentRequests(load)) {
    const outcome = tracker.outcome(r.id)
    if (outcome !== undefined && !EXPECTED[r.kind].includes(outcome)) wrong.push(`${r.id} (${r.kind}) → ${outcome}`)
  }
  return [
    {
      name: 'every request has exactly one outcome',
      ok: tracker.resolved === load.count && tracker.duplicates === 0,
      detail: `${tracker.resolved.toLocaleString('en-US')}/${load.count.toLocaleString('en-US')} resolved, ${tracker.duplicates} duplicate outcomes`,
    },
    {
      name: 'bad input is rejected or dead-lettered as its kind calls for',
      ok: wrong.length === 0,
      detail: wrong.length === 0 ? 'all as expected' : `${wrong.length} wrong, e.g. ${wrong.slice(0, 3).join('; ')}`,
    },
  ]
}

/** Every opened account's balances (an account no payment touched yet is at its opening balance). */
export interface BalanceView {
  readonly openings: ReadonlyMap<string, number>
  readonly inflight: ReadonlyMap<string, number>
  readonly confirmed: ReadonlyMap<string, number>
  readonly ledger: ReadonlyMap<string, number>
}

export type StoreEntries = Iterable<readonly [string, number]>

export function balanceView(
  openings: ReadonlyMap<string, number>,
  entries: { readonly inflight: StoreEntries; readonly confirmed: StoreEntries; readonly ledger: StoreEntries },
): BalanceView {
  const fill = (source: StoreEntries): Map<string, number> => {
    const out = new Map(openings)
    for (const [account, balance] of source) out.set(account, balance)
    return out
  }
  return { openings, inflight: fill(entries.inflight), confirmed: fill(entries.confirmed), ledger: fill(entries.ledger) }
}

const entriesOf = (streams: KafkaStreams, store: string): Array<[string, number]> =>
  [...streams.store<string, number>(store).all()].map((e) => [e.key, e.value])

/** The balances in this instance's stores (all of them when it runs every task). */
export function localBalances(streams: KafkaStreams): BalanceView {
  const openings = new Map<string, number>()
  for (const { key, value } of streams.store<string, Account>(STORES.accounts).all()) openings.set(key, value.openingBalance)
  return balanceView(openings, {
    inflight: entriesOf(streams, STORES.inflight),
    confirmed: entriesOf(streams, STORES.confirmed),
    ledger: entriesOf(streams, STORES.ledger),
  })
}

const total = (balances: ReadonlyMap<string, number>): number => {
  let sum = 0
  for (const v of balances.values()) sum += v
  return sum
}

function differing(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): string[] {
  const out: string[] = []
  for (const [account, value] of a) if (b.get(account) !== value) out.push(`${account}: ${value} vs ${b.get(account)}`)
  return out
}

/** The invariants of a quiet moment (nothing in flight). */
export function balanceChecks(view: BalanceView): Check[] {
  const opening = total(view.openings)
  const confirmed = total(view.confirmed)
  const inFlight = differing(view.inflight, view.confirmed)
  const ledger = differing(view.ledger, view.confirmed)
  const negative = [...view.confirmed].filter(([, v]) => v < 0).map(([a, v]) => `${a}: ${v}`)
  const sample = (list: string[]) => (list.length === 0 ? '' : `; e.g. ${list.slice(0, 3).join(', ')}`)
  return [
    {
      name: 'money is conserved: Σ confirmed balances = opening total',
      ok: confirmed === opening && view.openings.size > 0,
      detail: `${formatMoney(confirmed)} = ${formatMoney(opening)} over ${view.openings.size} accounts`,
    },
    {
      name: 'nothing in flight: in-flight balance = confirmed balance, per account',
      ok: inFlight.length === 0,
      detail: `${inFlight.length} accounts differ${sample(inFlight)}`,
    },
    {
      name: 'the payment ledger agrees with the confirmed balances',
      ok: ledger.length === 0,
      detail: `${ledger.length} accounts differ${sample(ledger)}`,
    },
    {
      name: 'no balance below zero',
      ok: negative.length === 0,
      detail: `${negative.length} negative${sample(negative)}`,
    },
  ]
}
