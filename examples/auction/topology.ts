/**
 * The auction topology (reference article, section 2.6), from the public API only:
 *
 *   auction-items-submitted ─▶ edge: validate, normalise, enrich ─┬─▶ items
 *                                                                 ├─▶ auction-rejected
 *                                                                 └─▶ auction-dlq
 *   items ─▶ item lifecycle (expiry punctuator) ─┬─▶ table auction-items (queryable)
 *                      ▲ reads the bid history    └─ closed ─▶ auction-items-complete
 *   auction-bids ─▶ edge: validate ─▶ by item ─▶ ⋈ auction-items ─┬─▶ bid history ─▶ auction-bids-history
 *                                                                 │                 └▶ bids per item per minute
 *                                                                 └─▶ auction-rejected
 *   auction-items-complete ─▶ item complete (reads the bid history) ─┬─▶ auction-results
 *                                                                    └─▶ auction-notifications
 *
 * Items, bids (after the by-item repartition) and completions are keyed by item id and share
 * the bid-history store, so they run in one task per partition: when the punctuator closes an
 * item, every bid accepted on it is in the history already, and the closed item reaches the
 * table before the next bid is joined.
 */
import { Serdes, Stores, StreamsBuilder, TimeWindows } from 'kstreams'
import type { KStream, PunctuationType, Serde, StoreType, Topology } from 'kstreams'
import {
  bidListSerde, bidProblem, bidSerde, historySerde, itemSerde, keySerde, notificationSerde, parseBid, rejectionSerde, resultSerde,
  STORES, TOPICS, validateItem,
} from './model.ts'
import type { Bid, HistoryEntry, Item } from './model.ts'
import { BidHistoryRecorder, BidRateRecorder, EdgeValidator, ItemCompleteProcessor, ItemLifecycle } from './processors.ts'
import type { Checked, OnRecord } from './processors.ts'

export interface AuctionTopologyOptions {
  /** Where the stores live; default `rocksdb`. */
  readonly storeType?: StoreType
  /**
   * What drives the expiry punctuator. `stream-time` (default) closes auctions as the records'
   * timestamps pass their end, so replays and tests are deterministic; `wall-clock` closes them
   * as real time passes, even with no traffic.
   */
  readonly punctuation?: PunctuationType
  /** How often the punctuator looks for auctions to close, in ms (default 1000). */
  readonly checkIntervalMs?: number
  /** Size of the windows of the bid-rate statistic, in ms (default one minute). */
  readonly rateWindowMs?: number
  /** Called as the processors handle items, bids, closings and completions. */
  readonly onRecord?: OnRecord
}

type Bytes = Buffer | null

export function buildAuctionTopology(options: AuctionTopologyOptions = {}): Topology {
  const onRecord = options.onRecord ?? (() => {})
  const storeType = options.storeType ?? 'rocksdb'
  const kv = <V>(name: string, serde: Serde<V>) =>
    Stores.keyValueStoreBuilder(storeType === 'memory' ? Stores.inMemoryKeyValueStore(name) : Stores.persistentKeyValueStore(name), keySerde, serde)
  const builder = new StreamsBuilder()
  builder.addStateStore(kv(STORES.history, bidListSerde))

  // The edge function of items: valid items to the items stream, the rest refused or dead-lettered.
  const items = edge<Item>(builder.stream<Bytes, Bytes>(TOPICS.submissions, { key: Serdes.bytes(), value: Serdes.bytes(), name: 'item-submissions' })
    .process(() => new EdgeValidator<Item>(validateItem, 'MalformedItem', () => onRecord('submission')), { name: 'validate-item' }), 'item')
  items.to(TOPICS.items, { key: keySerde, value: itemSerde, name: 'send-item' })

  // The items table, kept by the expiry punctuator: listed items, then each one once closed.
  const lifecycle = builder
    .stream<string, Item>(TOPICS.items, { key: keySerde, value: itemSerde, name: 'items' })
    .processValues(() => new ItemLifecycle(options.checkIntervalMs ?? 1000, options.punctuation ?? 'stream-time', onRecord), {
      name: 'item-lifecycle',
      stores: [kv(STORES.lifecycle, itemSerde), STORES.history],
    })
  lifecycle
    .flatMapValues((e) => (e.kind === 'rejected' ? [e.rejection] : []), { name: 'duplicate-item' })
    .to(TOPICS.rejected, { key: keySerde, value: rejectionSerde, name: 'send-duplicate-item' })
  const itemUpdates = lifecycle.flatMapValues((e) => (e.kind === 'item' ? [e.item] : []), { name: 'item-updates' })
  const itemsTable = itemUpdates.toTable({ name: 'items-table', storeName: STORES.items, storeType, key: keySerde, value: itemSerde })
  itemUpdates
    .filter((_id, item) => item.status !== 'OPEN', { name: 'closed-items' })
    .to(TOPICS.complete, { key: keySerde, value: itemSerde, name: 'send-complete' })

  // Bids: checked at the edge, moved to their item's partition, joined with the item.
  const bids = edge<Bid>(builder.stream<Bytes, Bytes>(TOPICS.bids, { key: Serdes.bytes(), value: Serdes.bytes(), name: 'bids' })
    .process(() => new EdgeValidator<Bid>(parseBid, 'MalformedBid', () => onRecord('submission')), { name: 'validate-bid' }), 'bid')
    .repartition({ name: 'bids-by-item', key: keySerde, value: bidSerde })
  const judged = bids.leftJoin(itemsTable, (bid, item): Checked<HistoryEntry> => {
    const problem = bidProblem(bid, item)
    if (problem !== undefined) return { kind: 'rejected', rejection: { type: 'bid', id: bid.id, itemId: bid.itemId, ...problem } }
    const { id, title, seller, category, region, startPrice, endsAt } = item!
    return { kind: 'accepted', value: { bid, item: { id, title, seller, category, region, startPrice, endsAt } } }
  }, { name: 'bid-joins-item' })
  judged
    .flatMapValues((c) => (c.kind === 'rejected' ? [c.rejection] : []), { name: 'refused-bid' })
    .to(TOPICS.rejected, { key: keySerde, value: rejectionSerde, name: 'send-refused-bid' })
  const accepted = judged
    .flatMapValues((c) => (c.kind === 'accepted' ? [c.value] : []), { name: 'accepted-bid' })
    .processValues(() => new BidHistoryRecorder(onRecord), { name: 'record-bid', stores: [STORES.history] })
  accepted.to(TOPICS.history, { key: keySerde, value: historySerde, name: 'send-history' })

  // The live statistic: accepted bids per item per minute (by the bids' own time).
  accepted
    .groupByKey({ key: keySerde, value: historySerde })
    .windowedBy(TimeWindows.ofSizeWithNoGrace(options.rateWindowMs ?? 60_000))
    .count({ name: 'bids-per-minute', storeName: STORES.bidsPerMinute, storeType })
    .toStream({ name: 'bid-rate-updates' })
    .process(() => new BidRateRecorder(), { name: 'bid-rate', stores: [kv(STORES.bidRate, Serdes.long())] })

  // The item-complete processor, fed by the completions this app wrote.
  const completions = builder
    .stream<string, Item>(TOPICS.complete, { key: keySerde, value: itemSerde, name: 'completions' })
    .process(() => new ItemCompleteProcessor(onRecord), { name: 'item-complete', stores: [STORES.history, kv(STORES.results, resultSerde)] })
  completions
    .flatMapValues((c) => (c.kind === 'result' ? [c.result] : []), { name: 'result' })
    .to(TOPICS.results, { key: keySerde, value: resultSerde, name: 'send-result' })
  completions
    .flatMapValues((c) => (c.kind === 'notification' ? [c.notification] : []), { name: 'notification' })
    .to(TOPICS.notifications, { key: keySerde, value: notificationSerde, name: 'send-notification' })

  return builder.build()

  /** Splits an edge validator's output: accepted on, refused to `auction-rejected`, unreadable to `auction-dlq`. */
  function edge<T>(checked: KStream<string | null, Checked<T>>, what: 'item' | 'bid'): KStream<string, T> {
    checked
      .flatMapValues((c) => (c.kind === 'rejected' ? [c.rejection] : []), { name: `refused-${what}-at-edge` })
      .to(TOPICS.rejected, { key: keySerde as never, value: rejectionSerde, name: `send-refused-${what}-at-edge` })
    checked
      .flatMap((_k, c) => (c.kind === 'dead-letter' ? [{ key: c.key, value: c.value }] : []), { name: `unreadable-${what}` })
      .to(TOPICS.dlq, { key: Serdes.bytes(), value: Serdes.bytes(), name: `send-dead-${what}` })
    return checked.flatMap((key, c) => (c.kind === 'accepted' && key !== null ? [{ key, value: c.value }] : []), { name: `valid-${what}` })
  }
}
