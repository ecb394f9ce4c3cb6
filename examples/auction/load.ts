/**
 * The load generator: lists items, then places bids on them, a share of both bad on purpose.
 * Everything follows from the seed (record timestamps are offsets from `baseTime`; the run id only
 * prefixes ids), so a run can be repeated exactly, and the generator knows what the app must make
 * of each record — `expectedOutcomes` replays the load without the app. It produces through the
 * client port, so the same code feeds the embedded broker and a Kafka cluster.
 */
import type { KafkaClient } from 'kstreams'
import { bidProblem, settle, validateItem } from './model.ts'
import type { Bid, Item, ItemStatus } from './model.ts'
import { random } from '../shared/random.ts'

export interface LoadOptions {
  readonly seed: number
  readonly items: number
  readonly bids: number
  /** Share of bad items and bids (0..1), spread over their bad kinds. */
  readonly badRatio: number
  /** Prefix of ids, so that runs sharing a cluster can tell their records apart. */
  readonly runId: string
  /** Timestamp of the first listing; everything else is an offset from it. */
  readonly baseTime: number
}

export type ItemKind = 'item' | 'malformed-json' | 'missing-field' | 'bad-price' | 'bad-duration'
export type BidKind = 'bid' | 'late' | 'malformed-json' | 'missing-field' | 'unknown-item' | 'below-start' | 'seller-bid'
const BAD_ITEMS: ReadonlyArray<ItemKind> = ['malformed-json', 'missing-field', 'bad-price', 'bad-duration']
const BAD_BIDS: ReadonlyArray<BidKind> = ['malformed-json', 'missing-field', 'unknown-item', 'below-start', 'seller-bid']

export interface LoadRecord<Kind> {
  readonly id: string
  readonly kind: Kind
  readonly key: string
  readonly value: string
  readonly timestamp: number
}

/** Header carrying the id of what was sent, so that even a dead letter can be traced. */
export const ID_HEADER = 'auction-record-id'

const WORDS = ['brass', 'oak', 'vintage', 'signed', 'rare', 'blue', 'art deco', 'silver', 'antique', 'boxed']
const THINGS = ['lamp', 'clock', 'chair', 'print', 'vase', 'camera', 'guitar', 'watch', 'map', 'desk']
const CATEGORIES = ['Home', 'Art', 'Music', 'Collectibles', ' Electronics ']
const COUNTRIES = ['de', 'fr', 'gb', 'us', 'jp', 'br', 'nz']

export interface Load {
  readonly items: ReadonlyArray<LoadRecord<ItemKind>>
  readonly bids: ReadonlyArray<LoadRecord<BidKind>>
}

/** The whole load of a run: item listings 100 ms apart, then the bids in time order. */
export function generateLoad(options: LoadOptions): Load {
  const next = random(options.seed)
  const pick = <T>(list: ReadonlyArray<T>): T => list[Math.floor(next() * list.length)]!
  const items: Array<LoadRecord<ItemKind>> = []
  const open: Array<{ id: string; seller: string; startPrice: number; endsAt: number; popular: boolean }> = []
  for (let i = 0; i < options.items; i++) {
    const id = `${options.runId}-item-${i}`
    const timestamp = options.baseTime + i * 100
    const seller = `seller-${i % 40}`
    const startPrice = 100 * (5 + Math.floor(next() * 200))
    const reservePrice = next() < 0.3 ? startPrice * 3 : undefined
    const durationSeconds = 60 + 30 * Math.floor(next() * 9)
    const kind: ItemKind = next() < options.badRatio ? pick(BAD_ITEMS) : 'item'
    const fields = { id, title: `${pick(WORDS)}  ${pick(THINGS)} `, seller, category: pick(CATEGORIES), startPrice, reservePrice, durationSeconds, country: pick(COUNTRIES) }
    let value: string
    if (kind === 'malformed-json') value = JSON.stringify(fields).slice(0, -3)
    else if (kind === 'missing-field') value = JSON.stringify({ ...fields, seller: undefined })
    else if (kind === 'bad-price') value = JSON.stringify({ ...fields, startPrice: -startPrice })
    else if (kind === 'bad-duration') value = JSON.stringify({ ...fields, durationSeconds: 0 })
    else value = JSON.stringify(fields)
    items.push({ id, kind, key: id, value, timestamp })
    // Every tenth item draws no bids, so that some auctions end unsold.
    if (kind === 'item') open.push({ id, seller, startPrice, endsAt: timestamp + durationSeconds * 1000, popular: i % 10 !== 9 })
  }
  const bidding = open.filter((i) => i.popular)
  const from = options.baseTime + options.items * 100
  const lastEnd = Math.max(from, ...open.map((i) => i.endsAt))
  const span = lastEnd + 30_000 - from
  const bids: Array<LoadRecord<BidKind>> = []
  for (let n = 0; n < options.bids && bidding.length > 0; n++) {
    const id = `${options.runId}-bid-${n}`
    const timestamp = from + Math.floor((n * span) / options.bids)
    let kind: BidKind = next() < options.badRatio ? pick([...BAD_BIDS, 'late']) : 'bid'
    // Bidders bid on items still open, but now and then on one that has just ended.
    const candidates = bidding.filter((i) => (kind === 'late' ? i.endsAt <= timestamp : i.endsAt > timestamp))
    const item = pick(candidates.length > 0 ? candidates : bidding)
    const bidder = `user-${Math.floor(next() * 100)}`
    // Mostly near the start price, now and then far above it: some items pass their reserve.
    const amount = item.startPrice + 100 * Math.floor(-Math.log(1 - next()) * item.startPrice / 100)
    if (kind === 'bid' && timestamp >= item.endsAt) kind = 'late'
    const bid = { id, itemId: item.id, bidder, amount }
    let value: string
    if (kind === 'malformed-json') value = `{"id":"${id}","itemId":"${item.id}",`
    else if (kind === 'missing-field') value = JSON.stringify({ id, itemId: item.id, amount })
    else if (kind === 'unknown-item') value = JSON.stringify({ ...bid, itemId: `${item.id}-gone` })
    else if (kind === 'below-start') value = JSON.stringify({ ...bid, amount: item.startPrice - 100 })
    else if (kind === 'seller-bid') value = JSON.stringify({ ...bid, bidder: item.seller })
    else value = JSON.stringify(bid)
    const key = kind === 'unknown-item' ? `${item.id}-gone` : item.id
    bids.push({ id, kind, key, value, timestamp })
  }
  // A last, late bid on every item: it must be refused, and it moves every partition's stream
  // time past every end, so that each auction closes.
  for (const [n, item] of open.entries()) {
    const id = `${options.runId}-late-${n}`
    bids.push({ id, kind: 'late', key: item.id, value: JSON.stringify({ id, itemId: item.id, bidder: 'user-late', amount: item.startPrice * 10 }), timestamp: lastEnd + 60_000 })
  }
  return { items, bids }
}

export interface Expected {
  /** Valid items, as the edge function makes them. */
  readonly items: ReadonlyMap<string, Item>
  /** Each bid's outcome: `ACCEPTED`, `DEAD_LETTER` or the rejection code. */
  readonly bids: ReadonlyMap<string, string>
  readonly auctions: ReadonlyMap<string, { readonly status: Exclude<ItemStatus, 'OPEN'>; readonly winner: string | null; readonly price: number | null }>
}

/** What the app must make of a load, worked out without it (bids in time order, each item closing at its end). */
export function expectedOutcomes(load: Load): Expected {
  const items = new Map<string, Item>()
  for (const r of load.items) {
    const v = validateItem(Buffer.from(r.value), r.timestamp)
    if (v.ok && !('code' in v.value)) items.set(r.id, v.value)
  }
  const accepted = new Map<string, Bid[]>()
  const bids = new Map<string, string>()
  for (const r of load.bids) {
    if (r.kind === 'malformed-json' || r.kind === 'missing-field') {
      bids.set(r.id, 'DEAD_LETTER')
      continue
    }
    const bid = { ...(JSON.parse(r.value) as Omit<Bid, 'at'>), at: r.timestamp }
    const problem = bidProblem(bid, items.get(bid.itemId) ?? null)
    bids.set(r.id, problem?.code ?? 'ACCEPTED')
    if (problem === undefined) accepted.set(bid.itemId, [...(accepted.get(bid.itemId) ?? []), bid])
  }
  const auctions = new Map([...items].map(([id, item]) => {
    const s = settle(item, accepted.get(id) ?? [])
    return [id, { status: s.status, winner: s.winningBid?.bidder ?? null, price: s.winningBid?.amount ?? null }] as const
  }))
  return { items, bids, auctions }
}

/**
 * Sends records in transactions of `batchSize`, each with its id in a header; a retried send
 * cannot write a record twice.
 */
export async function send(
  client: KafkaClient,
  topic: string,
  records: ReadonlyArray<LoadRecord<string>>,
  transactionalId: string,
  onSent: (sent: number) => void = () => {},
  batchSize = 1000,
): Promise<void> {
  const producer = client.producer({ transactionalId })
  await producer.connect()
  try {
    for (let i = 0; i < records.length; i += batchSize) {
      const batch = records.slice(i, i + batchSize)
      await producer.beginTransaction()
      await producer.send(batch.map((r) => ({
        topic,
        key: Buffer.from(r.key),
        value: Buffer.from(r.value),
        timestamp: r.timestamp,
        headers: { [ID_HEADER]: Buffer.from(r.id) },
      })))
      await producer.commitTransaction()
      onSent(i + batch.length)
    }
  } finally {
    await producer.close()
  }
}
