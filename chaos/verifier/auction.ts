/**
 * The auction verifier: reads the inputs (item submissions, bids) and every output topic with
 * read_committed, folds an oracle from the inputs (which items are valid, when each ends, what
 * makes a bid valid) and checks
 *   A0  every item and bid has exactly one outcome (listed/accepted, rejected or dead-lettered);
 *   A1  exactly one completion, and one result, per listed item — each expiry fired once;
 *   A2  no bid accepted after its item's end, and every accepted bid valid for its item;
 *   A3  the winner is the highest accepted bid (earliest of equals) and the status follows the reserve;
 * plus the DLQ and open-transaction checks. The rules are re-derived here, not imported.
 */
import type { Kafka } from 'kafkajs'
import { consumedInvariant, unconsumed } from './progress.ts'
import { readTopics } from './read.ts'
import type { TopicRecord } from './read.ts'
import { cents, deadLetterCheck, existing, finite, json, noOpenTransactions, object, sourceOf } from './inputs.ts'
import type { Fields } from './inputs.ts'
import { num, sample, verdict } from './verdict.ts'
import type { Invariant, Verdict } from './verdict.ts'

export interface AuctionTopics {
  readonly prefix: string
  readonly applicationId: string
}

export function auctionTopics({ prefix, applicationId }: AuctionTopics) {
  return {
    submissions: `${prefix}auction-items-submitted`,
    bids: `${prefix}auction-bids`,
    items: `${prefix}items`,
    history: `${prefix}auction-bids-history`,
    complete: `${prefix}auction-items-complete`,
    results: `${prefix}auction-results`,
    rejected: `${prefix}auction-rejected`,
    dlq: `${prefix}auction-dlq`,
    libraryDlq: `${applicationId}-dlq`,
  }
}

interface OracleItem {
  readonly id: string
  readonly seller: string
  readonly startPrice: number
  readonly reservePrice: number | null
  readonly endsAt: number
}

const hasText = (r: Fields, f: string): boolean => typeof r[f] === 'string' && (r[f] as string).trim() !== ''
const MAX_DURATION_S = 7 * 24 * 3600

/** unreadable | refused | the valid item. */
export function classifyItem(input: TopicRecord): 'unreadable' | 'refused' | OracleItem {
  const r = object(json(input.value))
  if (r === undefined || !['id', 'title', 'seller'].every((f) => hasText(r, f)) || finite(r.startPrice) === undefined || finite(r.durationSeconds) === undefined) return 'unreadable'
  const start = r.startPrice as number
  const duration = r.durationSeconds as number
  const reserve = r.reservePrice ?? null
  if (!cents(start)) return 'refused'
  if (reserve !== null && !(cents(reserve) && reserve >= start)) return 'refused'
  if (!Number.isInteger(duration) || duration < 1 || duration > MAX_DURATION_S) return 'refused'
  return { id: (r.id as string).trim(), seller: (r.seller as string).trim(), startPrice: start, reservePrice: reserve as number | null, endsAt: input.timestamp + duration * 1000 }
}

interface OracleBid {
  readonly id: string
  readonly itemId: string
  readonly bidder: string
  readonly amount: number
  readonly at: number
}

export function parseBidInput(input: TopicRecord): 'unreadable' | OracleBid {
  const r = object(json(input.value))
  if (r === undefined || !['id', 'itemId', 'bidder'].every((f) => hasText(r, f)) || finite(r.amount) === undefined) return 'unreadable'
  return { id: (r.id as string).trim(), itemId: (r.itemId as string).trim(), bidder: (r.bidder as string).trim(), amount: r.amount as number, at: input.timestamp }
}

/** Why an accepted bid should not have been, or undefined. */
function invalidAccepted(bid: OracleBid, item: OracleItem | undefined): string | undefined {
  if (item === undefined) return 'unknown item'
  if (!cents(bid.amount)) return 'invalid amount'
  if (bid.at >= item.endsAt) return `placed at ${bid.at}, after the end ${item.endsAt}`
  if (bid.bidder === item.seller) return 'the seller\'s own bid'
  if (bid.amount < item.startPrice) return 'below the start price'
  return undefined
}

/** The topics the app's consumer group reads (its repartition topics aside). */
export function auctionSources(names: AuctionTopics): string[] {
  const t = auctionTopics(names)
  return [t.submissions, t.bids, t.items, t.complete]
}

export async function verifyAuction(kafka: Kafka, names: AuctionTopics): Promise<Verdict> {
  const t = auctionTopics(names)
  // Read first: with records left unconsumed, an output invariant that fails is a stall, not a loss.
  const progress = consumedInvariant(names.applicationId, await unconsumed(kafka, names.applicationId, auctionSources(names)))
  const optional = await existing(kafka, [t.libraryDlq])
  const topics = [t.submissions, t.bids, t.items, t.history, t.complete, t.results, t.rejected, t.dlq, ...optional]
  const read = await readTopics(kafka, topics)
  const of = (topic: string): TopicRecord[] => read.get(topic) ?? []

  const unreadable: TopicRecord[] = []
  const items = new Map<string, OracleItem>()
  const itemIds = new Set<string>()
  for (const input of of(t.submissions)) {
    const c = classifyItem(input)
    if (c === 'unreadable') unreadable.push(input)
    else {
      const id = (object(json(input.value))!.id as string).trim()
      itemIds.add(id)
      if (c !== 'refused') items.set(c.id, c)
    }
  }
  const bids = new Map<string, OracleBid>()
  for (const input of of(t.bids)) {
    const b = parseBidInput(input)
    if (b === 'unreadable') unreadable.push(input)
    else bids.set(b.id, b)
  }

  // Outcomes per id: items listed or refused, bids accepted or refused (dead letters by source below).
  const outcomes = new Map<string, string[]>()
  const add = (id: string, o: string) => outcomes.set(id, [...(outcomes.get(id) ?? []), o])
  for (const r of of(t.items)) add(String(object(json(r.value))?.id), 'LISTED')
  const accepted = new Map<string, OracleBid[]>()
  for (const r of of(t.history)) {
    const b = object(object(json(r.value))?.bid)
    const id = String(b?.id)
    add(id, 'ACCEPTED')
    const bid = bids.get(id)
    if (bid !== undefined) accepted.set(bid.itemId, [...(accepted.get(bid.itemId) ?? []), bid])
  }
  for (const r of of(t.rejected)) add(String(object(json(r.value))?.id), String(object(json(r.value))?.code))

  const a0: string[] = []
  for (const id of [...itemIds, ...bids.keys()]) {
    const got = outcomes.get(id) ?? []
    if (got.length !== 1) a0.push(`${id}: ${got.join('+') || 'none'}`)
  }
  for (const id of outcomes.keys()) if (!itemIds.has(id) && !bids.has(id)) a0.push(`${id}: an outcome for nothing sent`)

  const completions = new Map<string, Fields[]>()
  for (const r of of(t.complete)) {
    const c = object(json(r.value))
    if (c !== undefined) completions.set(String(c.id), [...(completions.get(String(c.id)) ?? []), c])
  }
  const results = new Map<string, Fields[]>()
  for (const r of of(t.results)) {
    const c = object(json(r.value))
    if (c !== undefined) results.set(String(c.itemId), [...(results.get(String(c.itemId)) ?? []), c])
  }
  const listed = [...items.keys()].filter((id) => (outcomes.get(id) ?? []).includes('LISTED'))
  const a1: string[] = []
  for (const id of listed) {
    const c = completions.get(id)?.length ?? 0
    const r = results.get(id)?.length ?? 0
    if (c !== 1 || r !== 1) a1.push(`${id}: ${c} completions, ${r} results`)
  }
  for (const id of completions.keys()) if (!items.has(id)) a1.push(`${id}: completed but never a valid item`)

  const a2: string[] = []
  for (const [itemId, list] of accepted) for (const b of list) {
    const why = invalidAccepted(b, items.get(itemId))
    if (why !== undefined) a2.push(`${b.id} on ${itemId}: ${why}`)
  }
  const a3: string[] = []
  let sold = 0
  for (const id of listed) {
    const closed = completions.get(id)?.[0]
    if (closed === undefined) continue
    const item = items.get(id)!
    let best: OracleBid | undefined
    for (const b of accepted.get(id) ?? []) if (best === undefined || b.amount > best.amount || (b.amount === best.amount && b.at < best.at)) best = b
    const status = best === undefined ? 'UNSOLD' : item.reservePrice !== null && best.amount < item.reservePrice ? 'RESERVE_NOT_MET' : 'SOLD'
    const winner = status === 'SOLD' ? best! : undefined
    const got = object(closed.winningBid)
    const result = results.get(id)?.[0]
    if (status === 'SOLD') sold++
    if (closed.status !== status || (got?.id ?? undefined) !== winner?.id || (result !== undefined && (result.winner ?? null) !== (winner?.bidder ?? null))) {
      a3.push(`${id}: ${String(closed.status)} to ${String(got?.bidder ?? '-')} (${String(got?.amount ?? '-')}); oracle ${status} to ${winner?.bidder ?? '-'} (${winner?.amount ?? '-'})`)
    }
  }

  const dlq = [...of(t.dlq), ...of(t.libraryDlq)]
  const inputs = new Set([...of(t.submissions), ...of(t.bids)].map(sourceOf))
  const acceptedCount = [...accepted.values()].reduce((n, l) => n + l.length, 0)
  const invariants: Invariant[] = [
    progress,
    { name: 'A0 every item and bid has exactly one outcome', ok: a0.length === 0, detail: `${num(itemIds.size)} items, ${num(bids.size)} bids (readable), ${a0.length} wrong${sample(a0)}` },
    { name: 'A1 exactly one completion (and one result) per listed item', ok: a1.length === 0 && listed.length > 0, detail: `${num(listed.length)} listed, ${num(completions.size)} completed, ${a1.length} wrong${sample(a1)}` },
    { name: 'A2 no bid accepted after its item closed (and none invalid)', ok: a2.length === 0, detail: `${num(acceptedCount)} accepted, ${a2.length} violations${sample(a2)}` },
    { name: 'A3 the winner is the highest valid bid; status follows the reserve', ok: a3.length === 0, detail: `${num(sold)} sold, ${a3.length} wrong${sample(a3)}` },
    deadLetterCheck(unreadable, inputs, dlq),
    await noOpenTransactions(kafka, topics),
  ]
  const records = Object.fromEntries(topics.map((topic) => [topic, of(topic).length]))
  return verdict('auction', invariants, records, {
    inputs: of(t.submissions).length + of(t.bids).length,
    items: itemIds.size,
    listed: listed.length,
    bids: bids.size,
    accepted: acceptedCount,
    completed: completions.size,
    sold,
    unreadable: unreadable.length,
    deadLetters: dlq.length,
    outputs: of(t.items).length + of(t.history).length + of(t.rejected).length + of(t.complete).length + of(t.results).length + dlq.length,
  })
}
