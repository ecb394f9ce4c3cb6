/**
 * The auction domain (reference article, section 2.6): topics, stores, the records on them, the
 * edge function's validate-and-enrich step, and how an auction is settled.
 *
 * Prices are whole cents. Every record is keyed by its item id from the moment it is validated,
 * so an item, its bids and its completion meet in one task. Time is the records' timestamps: an
 * item ends `durationSeconds` after it was listed, a bid is placed at its record's timestamp.
 */
import { Serdes } from 'kstreams'
import type { Serde } from 'kstreams'

/** Prefixed to every topic name (default none), so that several copies of the app can share a cluster. */
const prefix = process.env.AUCTION_TOPIC_PREFIX ?? ''

export const TOPICS = Object.freeze({
  /** Items as sellers submit them (JSON `ItemSubmission`s, anything else is dead-lettered). */
  submissions: `${prefix}auction-items-submitted`,
  /** Validated, normalised and enriched items, keyed by item id: the items stream behind the table. */
  items: `${prefix}items`,
  /** Bids as bidders place them (JSON `BidSubmission`s). */
  bids: `${prefix}auction-bids`,
  /** Every accepted bid with its item's details: the audit trail. */
  history: `${prefix}auction-bids-history`,
  /** Each closed item, once, with its final status. */
  complete: `${prefix}auction-items-complete`,
  /** Each closed auction's result and analytics (bid count, spread, first/last bid). */
  results: `${prefix}auction-results`,
  /** One message per person to tell (seller, winner, outbid bidders), keyed by user. */
  notifications: `${prefix}auction-notifications`,
  /** Refused items and bids with the reason. */
  rejected: `${prefix}auction-rejected`,
  /** Items and bids that could not be read, as they arrived, with the reason in the headers. */
  dlq: `${prefix}auction-dlq`,
})

export const STORES = Object.freeze({
  /** The queryable table of items, status included (open items are the ones bids join). */
  items: 'auction-items',
  /** The expiry punctuator's own record of every item it has seen, open or closed. */
  lifecycle: 'auction-item-lifecycle',
  /** Accepted bids per item, in the order they were accepted. */
  history: 'auction-bid-history',
  /** Finished auctions: item id → `AuctionResult`. */
  results: 'auction-results',
  /** The windowed count of accepted bids per item per minute. */
  bidsPerMinute: 'auction-bids-per-minute',
  /** The same counts as a key-value view, `<item id>@<window start>` → count (interactive queries). */
  bidRate: 'auction-bid-rate',
})

export type ItemStatus = 'OPEN' | 'SOLD' | 'UNSOLD' | 'RESERVE_NOT_MET'

export interface Bid {
  readonly id: string
  readonly itemId: string
  readonly bidder: string
  /** Cents. */
  readonly amount: number
  /** When it was placed (its record's timestamp). */
  readonly at: number
}

export interface Item {
  readonly id: string
  readonly title: string
  readonly seller: string
  readonly category: string
  /** Derived from the country (the article's geo-encoding at the edge). */
  readonly region: string
  readonly startPrice: number
  /** Cents below which the item is not sold; null when the seller set none. */
  readonly reservePrice: number | null
  readonly listedAt: number
  readonly endsAt: number
  readonly status: ItemStatus
  readonly closedAt?: number
  readonly winningBid?: Bid
}

/** What `auction-bids-history` holds: the bid and the item it was placed on. */
export interface HistoryEntry {
  readonly bid: Bid
  readonly item: Pick<Item, 'id' | 'title' | 'seller' | 'category' | 'region' | 'startPrice' | 'endsAt'>
}

export interface BidAnalytics {
  readonly bidCount: number
  readonly bidders: number
  readonly highest: number | null
  readonly lowest: number | null
  /** highest - lowest. */
  readonly spread: number | null
  readonly firstBidAt: number | null
  readonly lastBidAt: number | null
}

export interface AuctionResult {
  readonly itemId: string
  readonly title: string
  readonly seller: string
  readonly status: Exclude<ItemStatus, 'OPEN'>
  readonly winner: string | null
  readonly price: number | null
  readonly reservePrice: number | null
  readonly endsAt: number
  readonly closedAt: number
  readonly analytics: BidAnalytics
}

export type NotificationKind = 'WON' | 'OUTBID' | 'RESERVE_NOT_MET' | 'ITEM_SOLD' | 'ITEM_UNSOLD' | 'ITEM_RESERVE_NOT_MET'

export interface Notification {
  readonly user: string
  readonly itemId: string
  readonly kind: NotificationKind
  readonly message: string
}

export type RejectionCode =
  | 'INVALID_PRICE' | 'INVALID_RESERVE' | 'INVALID_DURATION' | 'DUPLICATE_ITEM'
  | 'INVALID_AMOUNT' | 'UNKNOWN_ITEM' | 'AUCTION_CLOSED' | 'BELOW_START_PRICE' | 'SELLER_BID'

export interface Rejection {
  readonly type: 'item' | 'bid'
  readonly id: string
  readonly itemId: string
  readonly code: RejectionCode
  readonly reason: string
}

/** Headers of a dead-lettered record: Kafka Streams' names (KIP-1034). */
export const DLQ_HEADERS = Object.freeze({
  exception: '__streams.errors.exception',
  message: '__streams.errors.message',
  topic: '__streams.errors.topic',
  partition: '__streams.errors.partition',
  offset: '__streams.errors.offset',
})

export const keySerde: Serde<string> = Serdes.string()
export const itemSerde: Serde<Item> = Serdes.json<Item>()
export const bidSerde: Serde<Bid> = Serdes.json<Bid>()
export const historySerde: Serde<HistoryEntry> = Serdes.json<HistoryEntry>()
export const bidListSerde: Serde<Bid[]> = Serdes.json<Bid[]>()
export const resultSerde: Serde<AuctionResult> = Serdes.json<AuctionResult>()
export const notificationSerde: Serde<Notification> = Serdes.json<Notification>()
export const rejectionSerde: Serde<Rejection> = Serdes.json<Rejection>()

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string }
type Fields = { readonly [field: string]: unknown }

function readObject(value: Buffer | null, what: string): Parsed<Fields> {
  if (value === null) return { ok: false, reason: `malformed ${what}: no value` }
  let json: unknown
  try {
    json = JSON.parse(value.toString('utf8'))
  } catch (error) {
    return { ok: false, reason: `malformed JSON: ${(error as Error).message}` }
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, reason: `malformed ${what}: not a JSON object` }
  return { ok: true, value: json as Fields }
}

function missing(r: Fields, what: string, strings: ReadonlyArray<string>, numbers: ReadonlyArray<string>): string | undefined {
  for (const f of strings) if (typeof r[f] !== 'string' || (r[f] as string).trim() === '') return `malformed ${what}: "${f}" must be a non-empty string`
  for (const f of numbers) if (typeof r[f] !== 'number' || !Number.isFinite(r[f])) return `malformed ${what}: "${f}" must be a number`
  return undefined
}

const REGIONS: { readonly [country: string]: string } = {
  DE: 'EU', FR: 'EU', NL: 'EU', ES: 'EU', IT: 'EU', IE: 'EU', GB: 'UK', US: 'NA', CA: 'NA', MX: 'NA', JP: 'APAC', AU: 'APAC', IN: 'APAC', BR: 'LATAM',
}
const MAX_DURATION_S = 7 * 24 * 3600
const isCents = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n > 0

/**
 * The edge function: reads a submitted item, normalises it (trimmed id and title, lower-case
 * category, upper-case country) and adds the derived fields (region, listing and end time,
 * status). Shape errors make it malformed (`ok: false`, dead-lettered); rule errors a rejection.
 */
export function validateItem(value: Buffer | null, listedAt: number): Parsed<Item | Rejection> {
  const read = readObject(value, 'item')
  if (!read.ok) return read
  const r = read.value
  const problem = missing(r, 'item', ['id', 'title', 'seller'], ['startPrice', 'durationSeconds'])
  if (problem !== undefined) return { ok: false, reason: problem }
  const id = (r.id as string).trim()
  const reject = (code: RejectionCode, reason: string): Parsed<Rejection> => ({ ok: true, value: { type: 'item', id, itemId: id, code, reason } })
  const startPrice = r.startPrice as number
  const duration = r.durationSeconds as number
  const reserve = r.reservePrice ?? null
  if (!isCents(startPrice)) return reject('INVALID_PRICE', `startPrice must be a positive whole number of cents, got ${startPrice}`)
  if (reserve !== null && !(isCents(reserve) && reserve >= startPrice)) return reject('INVALID_RESERVE', `reservePrice must be whole cents, at least the start price ${startPrice}, got ${String(reserve)}`)
  if (!Number.isInteger(duration) || duration < 1 || duration > MAX_DURATION_S) return reject('INVALID_DURATION', `durationSeconds must be a whole number from 1 to ${MAX_DURATION_S}, got ${duration}`)
  const country = typeof r.country === 'string' ? r.country.trim().toUpperCase() : ''
  const category = typeof r.category === 'string' && r.category.trim() !== '' ? r.category.trim().toLowerCase() : 'general'
  return {
    ok: true,
    value: {
      id,
      title: (r.title as string).trim().replace(/\s+/g, ' '),
      seller: (r.seller as string).trim(),
      category,
      region: REGIONS[country] ?? 'OTHER',
      startPrice,
      reservePrice: reserve,
      listedAt,
      endsAt: listedAt + duration * 1000,
      status: 'OPEN',
    },
  }
}

/** Reads a placed bid; the item's rules are checked when it meets the item (`bidProblem`). */
export function parseBid(value: Buffer | null, at: number): Parsed<Bid> {
  const read = readObject(value, 'bid')
  if (!read.ok) return read
  const r = read.value
  const problem = missing(r, 'bid', ['id', 'itemId', 'bidder'], ['amount'])
  if (problem !== undefined) return { ok: false, reason: problem }
  return { ok: true, value: { id: (r.id as string).trim(), itemId: (r.itemId as string).trim(), bidder: (r.bidder as string).trim(), amount: r.amount as number, at } }
}

/** Why a bid on `item` (null: none known) is refused, or undefined when it is accepted. */
export function bidProblem(bid: Bid, item: Item | null): { code: RejectionCode; reason: string } | undefined {
  if (!isCents(bid.amount)) return { code: 'INVALID_AMOUNT', reason: `amount must be a positive whole number of cents, got ${bid.amount}` }
  if (item === null) return { code: 'UNKNOWN_ITEM', reason: `no item "${bid.itemId}"` }
  // Both: the item's status changes when the punctuator closes it, but a bid stamped after the
  // end may arrive before that punctuation runs.
  if (item.status !== 'OPEN') return { code: 'AUCTION_CLOSED', reason: `auction of "${item.id}" is closed (${item.status})` }
  if (bid.at >= item.endsAt) return { code: 'AUCTION_CLOSED', reason: `bid at ${bid.at} is after the auction of "${item.id}" ended at ${item.endsAt}` }
  if (bid.bidder === item.seller) return { code: 'SELLER_BID', reason: `"${bid.bidder}" sells "${item.id}"` }
  if (bid.amount < item.startPrice) return { code: 'BELOW_START_PRICE', reason: `amount ${bid.amount} is below the start price ${item.startPrice}` }
  return undefined
}

/** The highest bid: the largest amount, the earliest of equal ones. */
export function highestBid(bids: ReadonlyArray<Bid>): Bid | undefined {
  let best: Bid | undefined
  for (const b of bids) if (best === undefined || b.amount > best.amount || (b.amount === best.amount && b.at < best.at)) best = b
  return best
}

/** How the auction of `item` ends given its accepted bids. */
export function settle(item: Item, bids: ReadonlyArray<Bid>): { status: Exclude<ItemStatus, 'OPEN'>; winningBid?: Bid } {
  const best = highestBid(bids)
  if (best === undefined) return { status: 'UNSOLD' }
  if (item.reservePrice !== null && best.amount < item.reservePrice) return { status: 'RESERVE_NOT_MET' }
  return { status: 'SOLD', winningBid: best }
}

export function analytics(bids: ReadonlyArray<Bid>): BidAnalytics {
  if (bids.length === 0) return { bidCount: 0, bidders: 0, highest: null, lowest: null, spread: null, firstBidAt: null, lastBidAt: null }
  const amounts = bids.map((b) => b.amount)
  const times = bids.map((b) => b.at)
  const highest = Math.max(...amounts)
  const lowest = Math.min(...amounts)
  return {
    bidCount: bids.length,
    bidders: new Set(bids.map((b) => b.bidder)).size,
    highest,
    lowest,
    spread: highest - lowest,
    firstBidAt: Math.min(...times),
    lastBidAt: Math.max(...times),
  }
}

/** Cents as `1,234.56`. */
export function formatMoney(cents: number): string {
  return `${Math.floor(cents / 100).toLocaleString('en-US')}.${String(cents % 100).padStart(2, '0')}`
}
