/**
 * How a run is judged: the app's committed output topics are read back, as any downstream
 * consumer would read them, and held against the invariants — exactly one completion per item, no
 * bid accepted after its item closed, the winner is the highest valid bid — and against what the
 * load generator expects from its seed.
 */
import type { KafkaClient } from 'kstreams'
import { OutputFollower } from '../shared/output-follower.ts'
import type { Check } from '../shared/summary.ts'
import { ID_HEADER } from './load.ts'
import type { Expected } from './load.ts'
import { highestBid, settle, TOPICS } from './model.ts'
import type { AuctionResult, Bid, HistoryEntry, Item, Notification, Rejection } from './model.ts'

export type { Check }

/** Follows the output topics with read_committed and keeps what this run's records became. */
export class OutcomeTracker {
  readonly #follower: OutputFollower
  readonly #prefix: string
  /** Item submission or bid id → outcomes (`LISTED`, `ACCEPTED`, `DEAD_LETTER` or a rejection code). */
  readonly outcomes = new Map<string, string[]>()
  readonly history = new Map<string, Bid[]>()
  readonly historyItems = new Map<string, HistoryEntry['item']>()
  readonly completions = new Map<string, Item[]>()
  readonly results = new Map<string, AuctionResult[]>()
  readonly notifications = new Map<string, Notification[]>()

  constructor(client: KafkaClient, runId: string) {
    this.#prefix = `${runId}-`
    const topics = [TOPICS.items, TOPICS.history, TOPICS.rejected, TOPICS.dlq, TOPICS.complete, TOPICS.results, TOPICS.notifications]
    this.#follower = new OutputFollower(client, `auction-verifier-${runId}`, topics, (topic, value, headers) =>
      this.#record(topic, value, headers[ID_HEADER]?.toString()))
  }

  start(): Promise<void> {
    return this.#follower.start()
  }

  close(): Promise<void> {
    return this.#follower.close()
  }

  /** Records of this run with at least one outcome. */
  get resolved(): number {
    return this.outcomes.size
  }

  count(outcome: string): number {
    let n = 0
    for (const list of this.outcomes.values()) for (const o of list) if (o === outcome) n++
    return n
  }

  #outcome(id: string | undefined, outcome: string): void {
    if (id === undefined || !id.startsWith(this.#prefix)) return
    this.outcomes.set(id, [...(this.outcomes.get(id) ?? []), outcome])
  }

  #record(topic: string, value: Buffer | null, idHeader: string | undefined): void {
    const json = (): unknown => JSON.parse(String(value))
    const push = <T>(map: Map<string, T[]>, key: string, v: T): void => {
      if (key.startsWith(this.#prefix)) map.set(key, [...(map.get(key) ?? []), v])
    }
    if (topic === TOPICS.dlq) this.#outcome(idHeader, 'DEAD_LETTER')
    else if (topic === TOPICS.items) this.#outcome((json() as Item).id, 'LISTED')
    else if (topic === TOPICS.rejected) {
      const r = json() as Rejection
      this.#outcome(r.id, r.code)
      // A duplicate listing is the same id refused after it was listed: not this run's case.
    } else if (topic === TOPICS.history) {
      const h = json() as HistoryEntry
      this.#outcome(h.bid.id, 'ACCEPTED')
      push(this.history, h.bid.itemId, h.bid)
      this.historyItems.set(h.bid.itemId, h.item)
    } else if (topic === TOPICS.complete) {
      const item = json() as Item
      push(this.completions, item.id, item)
    } else if (topic === TOPICS.results) {
      const result = json() as AuctionResult
      push(this.results, result.itemId, result)
    } else if (topic === TOPICS.notifications) {
      const n = json() as Notification
      push(this.notifications, n.itemId, n)
    }
  }
}

const sample = (list: ReadonlyArray<string>): string => (list.length === 0 ? '' : `; e.g. ${list.slice(0, 3).join(', ')}`)

/** The run's checks, once every record has its outcome. */
export function checks(tracker: OutcomeTracker, expected: Expected, sent: { readonly items: ReadonlyArray<{ id: string }>; readonly bids: ReadonlyArray<{ id: string }> }): Check[] {
  const unresolved: string[] = []
  const wrong: string[] = []
  const expectOf = (id: string): string | undefined => expected.bids.get(id) ?? (expected.items.has(id) ? 'LISTED' : undefined)
  for (const { id } of [...sent.items, ...sent.bids]) {
    const got = tracker.outcomes.get(id)
    if (got === undefined || got.length !== 1) unresolved.push(`${id}: ${got?.join('+') ?? 'none'}`)
    else {
      const want = expectOf(id)
      if (want !== undefined && got[0] !== want) wrong.push(`${id}: ${got[0]}, expected ${want}`)
      if (want === undefined && (got[0] === 'LISTED' || got[0] === 'ACCEPTED')) wrong.push(`${id}: ${got[0]}, expected a refusal`)
    }
  }
  const completion: string[] = []
  for (const id of expected.items.keys()) {
    const c = tracker.completions.get(id)?.length ?? 0
    const r = tracker.results.get(id)?.length ?? 0
    if (c !== 1 || r !== 1) completion.push(`${id}: ${c} completions, ${r} results`)
  }
  for (const id of tracker.completions.keys()) if (!expected.items.has(id)) completion.push(`${id}: completed but never listed`)
  const late: string[] = []
  const winners: string[] = []
  const asExpected: string[] = []
  const notified: string[] = []
  for (const [id, [closed]] of tracker.completions) {
    if (closed === undefined) continue
    const bids = tracker.history.get(id) ?? []
    for (const b of bids) if (b.at >= closed.endsAt) late.push(`${b.id} at ${b.at} ≥ end ${closed.endsAt}`)
    const result = tracker.results.get(id)?.[0]
    if (result !== undefined && result.analytics.bidCount !== bids.length) late.push(`${id}: ${bids.length} bids in the history, ${result.analytics.bidCount} when it closed`)
    const best = highestBid(bids)
    const settled = settle(closed, bids)
    if (closed.status !== settled.status || closed.winningBid?.id !== settled.winningBid?.id || result?.winner !== (settled.winningBid?.bidder ?? null)) {
      winners.push(`${id}: ${closed.status} to ${closed.winningBid?.bidder ?? '-'} (${closed.winningBid?.amount ?? '-'}); highest bid ${best?.bidder ?? '-'} (${best?.amount ?? '-'})`)
    }
    const want = expected.auctions.get(id)
    if (want !== undefined && (want.status !== closed.status || want.winner !== (result?.winner ?? null) || want.price !== (result?.price ?? null))) {
      asExpected.push(`${id}: ${closed.status}/${result?.winner}, expected ${want.status}/${want.winner}`)
    }
    const people = 1 + new Set(bids.map((b) => b.bidder)).size
    const got = tracker.notifications.get(id)?.length ?? 0
    if (got !== people) notified.push(`${id}: ${got} notifications for ${people} people`)
  }
  const n = (x: number): string => x.toLocaleString('en-US')
  const total = sent.items.length + sent.bids.length
  return [
    { name: 'every item and bid has exactly one outcome', ok: unresolved.length === 0, detail: `${n(total - unresolved.length)}/${n(total)}${sample(unresolved)}` },
    { name: 'exactly one completion (and one result) per listed item', ok: completion.length === 0 && expected.items.size > 0, detail: `${n(tracker.completions.size)} completed of ${n(expected.items.size)} listed${sample(completion)}` },
    { name: 'no bid accepted after its item closed', ok: late.length === 0, detail: `${n(tracker.count('ACCEPTED'))} accepted, ${n(tracker.count('AUCTION_CLOSED'))} refused as closed, ${late.length} violations${sample(late)}` },
    { name: 'the winner is the highest valid bid (and status follows the reserve)', ok: winners.length === 0, detail: `${winners.length} wrong${sample(winners)}` },
    { name: 'every outcome is what the seed calls for', ok: wrong.length === 0 && asExpected.length === 0, detail: `${wrong.length + asExpected.length} differ${sample([...wrong, ...asExpected])}` },
    { name: 'seller and every bidder notified once per auction', ok: notified.length === 0, detail: `${n([...tracker.notifications.values()].reduce((s, l) => s + l.length, 0))} notifications${sample(notified)}` },
  ]
}
