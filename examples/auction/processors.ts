/**
 * The auction's custom processors (Processor API): the edge checks of items and bids, the expiry
 * punctuator over the locally held items, the bid-history recorder, the item-complete processor
 * and the view of the windowed bid counts. Each is synchronous per record.
 */
import { Record } from 'kstreams'
import type {
  FixedKeyProcessor,
  FixedKeyProcessorContext,
  Headers,
  KeyValueStore,
  Processor,
  ProcessorContext,
  PunctuationType,
  Windowed,
} from 'kstreams'
import { analytics, DLQ_HEADERS, settle, STORES } from './model.ts'
import type { AuctionResult, Bid, HistoryEntry, Item, Notification, Parsed, Rejection } from './model.ts'

/** What became of a submitted item or bid at the edge. */
export type Checked<T> =
  | { readonly kind: 'accepted'; readonly value: T }
  | { readonly kind: 'rejected'; readonly rejection: Rejection }
  | { readonly kind: 'dead-letter'; readonly key: Buffer | null; readonly value: Buffer | null }

/** Counts what the processors handle, for the runner's progress line. */
export type OnRecord = (what: 'submission' | 'item' | 'bid' | 'close' | 'complete') => void

/**
 * The edge function of items or bids: reads raw bytes, so that what it cannot read is
 * dead-lettered as it arrived (with Kafka's DLQ headers) instead of stopping the app, and
 * re-keys what it can read by item id.
 */
export class EdgeValidator<T extends { readonly id: string }> implements Processor<Buffer | null, Buffer | null, string | null, Checked<T>> {
  readonly #read: (value: Buffer | null, timestamp: number) => Parsed<T | Rejection>
  readonly #exception: string
  readonly #onRecord: () => void
  #context!: ProcessorContext<string | null, Checked<T>>

  constructor(read: (value: Buffer | null, timestamp: number) => Parsed<T | Rejection>, exception: string, onRecord: () => void) {
    this.#read = read
    this.#exception = exception
    this.#onRecord = onRecord
  }

  init(context: ProcessorContext<string | null, Checked<T>>): void {
    this.#context = context
  }

  process(record: Record<Buffer | null, Buffer | null>): void {
    this.#onRecord()
    const parsed = this.#read(record.value, record.timestamp)
    if (!parsed.ok) {
      const m = this.#context.recordMetadata()
      const headers: Headers = {
        ...record.headers,
        [DLQ_HEADERS.exception]: this.#exception,
        [DLQ_HEADERS.message]: parsed.reason,
        [DLQ_HEADERS.topic]: m?.topic ?? '',
        [DLQ_HEADERS.partition]: String(m?.partition ?? -1),
        [DLQ_HEADERS.offset]: String(m?.offset ?? -1),
      }
      this.#context.forward(new Record(null, { kind: 'dead-letter', key: record.key, value: record.value }, record.timestamp, headers))
      return
    }
    const value = parsed.value
    if ('code' in value) {
      this.#context.forward(new Record(value.itemId, { kind: 'rejected', rejection: value }, record.timestamp, record.headers))
      return
    }
    const key = 'itemId' in value ? (value as unknown as Bid).itemId : value.id
    this.#context.forward(new Record(key, { kind: 'accepted', value }, record.timestamp, record.headers))
  }
}

export type ItemEvent = { readonly kind: 'item'; readonly item: Item } | { readonly kind: 'rejected'; readonly rejection: Rejection }

/**
 * Keeps every item of this task's partition and closes each auction at its end time: a
 * punctuator (stream time by default, so a replay closes the same auctions at the same points)
 * finds the open items whose end has come, settles them against the accepted bids — sold,
 * unsold, reserve not met — and forwards the closed item, which updates the items table (so
 * later bids no longer join) and goes to `auction-items-complete`. An item is closed once: its
 * closed state is kept, and a second submission of its id is refused.
 */
export class ItemLifecycle implements FixedKeyProcessor<string, Item, ItemEvent> {
  readonly #interval: number
  readonly #type: PunctuationType
  readonly #onRecord: OnRecord
  #context!: FixedKeyProcessorContext<string, ItemEvent>
  #items!: KeyValueStore<string, Item>
  #history!: KeyValueStore<string, Bid[]>

  constructor(intervalMs: number, type: PunctuationType, onRecord: OnRecord) {
    this.#interval = intervalMs
    this.#type = type
    this.#onRecord = onRecord
  }

  init(context: FixedKeyProcessorContext<string, ItemEvent>): void {
    this.#context = context
    this.#items = context.getStateStore<KeyValueStore<string, Item>>(STORES.lifecycle)
    this.#history = context.getStateStore<KeyValueStore<string, Bid[]>>(STORES.history)
    context.schedule(this.#interval, this.#type, (timestamp) => this.closeDue(timestamp))
  }

  process(record: Record<string, Item>): void {
    this.#onRecord('item')
    const item = record.value
    if (this.#items.get(item.id) !== undefined) {
      const rejection: Rejection = { type: 'item', id: item.id, itemId: item.id, code: 'DUPLICATE_ITEM', reason: `item "${item.id}" was listed already` }
      this.#context.forward(record.withValue({ kind: 'rejected', rejection }))
      return
    }
    this.#items.put(item.id, item)
    this.#context.forward(record.withValue({ kind: 'item', item }))
  }

  /** Closes every open item whose end is at or before `now`, earliest end first. */
  closeDue(now: number): void {
    const due: Item[] = []
    using all = this.#items.all()
    for (const { value } of all) if (value.status === 'OPEN' && value.endsAt <= now) due.push(value)
    due.sort((a, b) => a.endsAt - b.endsAt || (a.id < b.id ? -1 : 1))
    for (const item of due) {
      const closed: Item = { ...item, ...settle(item, this.#history.get(item.id) ?? []), closedAt: now }
      this.#items.put(item.id, closed)
      this.#onRecord('close')
      this.#context.forward(new Record(item.id, { kind: 'item', item: closed }, now))
    }
  }
}

/** Appends each accepted bid to its item's history (the store the item-complete processor reads). */
export class BidHistoryRecorder implements FixedKeyProcessor<string, HistoryEntry, HistoryEntry> {
  readonly #onRecord: OnRecord
  #context!: FixedKeyProcessorContext<string, HistoryEntry>
  #history!: KeyValueStore<string, Bid[]>
  #bids!: ReturnType<typeof bidCounter>

  constructor(onRecord: OnRecord) {
    this.#onRecord = onRecord
  }

  init(context: FixedKeyProcessorContext<string, HistoryEntry>): void {
    this.#context = context
    this.#history = context.getStateStore<KeyValueStore<string, Bid[]>>(STORES.history)
    this.#bids = bidCounter(context)
  }

  process(record: Record<string, HistoryEntry>): void {
    this.#onRecord('bid')
    this.#bids.inc()
    const bid = record.value.bid
    this.#history.put(bid.itemId, [...(this.#history.get(bid.itemId) ?? []), bid])
    this.#context.forward(record)
  }
}

/** Business metric `auction_bids_total`: accepted bids (application, task and node labels added by kstreams). */
function bidCounter(context: FixedKeyProcessorContext<string, HistoryEntry>) {
  return context.metrics.counter({ name: 'auction_bids_total', help: 'Accepted bids' })
}

/** Business metrics of closed auctions: items by outcome, and the prices sold items fetched. */
function closingMetrics(context: ProcessorContext<string, Completion>) {
  return {
    closed: context.metrics.counter({ name: 'auction_items_closed_total', help: 'Closed auctions by outcome', labelNames: ['status'] }),
    prices: context.metrics.histogram({
      name: 'auction_sale_price_cents',
      help: 'Prices of sold items, in cents',
      buckets: [100, 500, 1_000, 5_000, 10_000, 50_000, 100_000, 500_000, 1_000_000],
    }),
  }
}

export type Completion = { readonly kind: 'result'; readonly result: AuctionResult } | { readonly kind: 'notification'; readonly notification: Notification }

/**
 * The item-complete processor: for each closed item on `auction-items-complete`, reads the item's
 * bid history (complete: every accepted bid was recorded before the item closed, in this same
 * task) and emits the result with its analytics, then one notification to the seller and one to
 * each bidder — the winner, or the outbid.
 */
export class ItemCompleteProcessor implements Processor<string, Item, string, Completion> {
  readonly #onRecord: OnRecord
  #context!: ProcessorContext<string, Completion>
  #history!: KeyValueStore<string, Bid[]>
  #results!: KeyValueStore<string, AuctionResult>
  #metrics!: ReturnType<typeof closingMetrics>

  constructor(onRecord: OnRecord) {
    this.#onRecord = onRecord
  }

  init(context: ProcessorContext<string, Completion>): void {
    this.#context = context
    this.#history = context.getStateStore<KeyValueStore<string, Bid[]>>(STORES.history)
    this.#results = context.getStateStore<KeyValueStore<string, AuctionResult>>(STORES.results)
    this.#metrics = closingMetrics(context)
  }

  process(record: Record<string, Item>): void {
    const item = record.value
    if (item === null || item.status === 'OPEN' || item.closedAt === undefined) return
    // A replayed completion (at-least-once) is answered once.
    if (this.#results.get(item.id) !== undefined) return
    this.#onRecord('complete')
    const bids = this.#history.get(item.id) ?? []
    const winner = item.winningBid
    const result: AuctionResult = {
      itemId: item.id,
      title: item.title,
      seller: item.seller,
      status: item.status,
      winner: winner?.bidder ?? null,
      price: winner?.amount ?? null,
      reservePrice: item.reservePrice,
      endsAt: item.endsAt,
      closedAt: item.closedAt,
      analytics: analytics(bids),
    }
    this.#results.put(item.id, result)
    this.#metrics.closed.inc({ status: item.status })
    if (item.status === 'SOLD' && winner !== undefined) this.#metrics.prices.observe(winner.amount)
    const at = record.timestamp
    this.#context.forward(new Record(item.id, { kind: 'result', result }, at))
    const notify = (notification: Notification): void =>
      this.#context.forward(new Record(notification.user, { kind: 'notification', notification }, at))
    const title = `"${item.title}" (${item.id})`
    const price = winner === undefined ? '' : ` for ${winner.amount} cents`
    if (item.status === 'SOLD') notify({ user: item.seller, itemId: item.id, kind: 'ITEM_SOLD', message: `${title} sold to ${winner!.bidder}${price}` })
    else if (item.status === 'UNSOLD') notify({ user: item.seller, itemId: item.id, kind: 'ITEM_UNSOLD', message: `${title} had no bids` })
    else notify({ user: item.seller, itemId: item.id, kind: 'ITEM_RESERVE_NOT_MET', message: `${title}: highest bid ${result.analytics.highest} is below the reserve ${item.reservePrice}` })
    const bidders = [...new Set(bids.map((b) => b.bidder))]
    for (const bidder of bidders) {
      if (item.status === 'RESERVE_NOT_MET') notify({ user: bidder, itemId: item.id, kind: 'RESERVE_NOT_MET', message: `${title} was not sold: the reserve was not met` })
      else if (bidder === winner?.bidder) notify({ user: bidder, itemId: item.id, kind: 'WON', message: `you won ${title}${price}` })
      else notify({ user: bidder, itemId: item.id, kind: 'OUTBID', message: `you were outbid on ${title}; it sold${price}` })
    }
  }
}

/**
 * Copies the windowed bid counts into a key-value store, `<item id>@<window start>` → count, for
 * the interactive queries: `KafkaStreams` offers key-value store views only (no window store view
 * yet).
 */
export class BidRateRecorder implements Processor<Windowed<string>, number | null> {
  #rates!: KeyValueStore<string, number>

  init(context: ProcessorContext<never, never>): void {
    this.#rates = context.getStateStore<KeyValueStore<string, number>>(STORES.bidRate)
  }

  process(record: Record<Windowed<string>, number | null>): void {
    const key = rateKey(record.key.key, record.key.window.start)
    if (record.value === null) this.#rates.delete(key)
    else this.#rates.put(key, record.value)
  }
}

export const rateKey = (itemId: string, windowStart: number): string => `${itemId}@${String(windowStart).padStart(15, '0')}`
