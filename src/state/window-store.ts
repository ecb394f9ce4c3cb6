import type { KeyValueIterator, StateStore, ValueAndTimestamp } from './store.ts'
import type { Windowed } from './windowed.ts'

/** Window starts (epoch ms) with the values of one key's windows. */
export type WindowStoreIterator<V> = KeyValueIterator<number, V>

/**
 * Reads of a window store (Kafka Streams' `ReadOnlyWindowStore`). A window is identified by its
 * key and start time; time ranges are inclusive and select by window start. Windows older than
 * the store's retention period are gone. Iterators over several keys are ordered by time segment,
 * then key bytes, then window start.
 */
export interface ReadOnlyWindowStore<K, V> {
  /** The value of `key`'s window starting at `windowStart`. */
  fetch(key: K, windowStart: number): V | undefined
  /** `key`'s windows starting in `[timeFrom, timeTo]`, oldest first; iterator keys are window starts. */
  fetch(key: K, timeFrom: number, timeTo: number): WindowStoreIterator<V>
  /** As `fetch(key, timeFrom, timeTo)`, newest first. */
  backwardFetch(key: K, timeFrom: number, timeTo: number): WindowStoreIterator<V>
  /** Windows of keys in `[keyFrom, keyTo]` (undefined = open) starting in `[timeFrom, timeTo]`. */
  fetchRange(keyFrom: K | undefined, keyTo: K | undefined, timeFrom: number, timeTo: number): KeyValueIterator<Windowed<K>, V>
  backwardFetchRange(keyFrom: K | undefined, keyTo: K | undefined, timeFrom: number, timeTo: number): KeyValueIterator<Windowed<K>, V>
  /** Windows of all keys starting in `[timeFrom, timeTo]`. */
  fetchAll(timeFrom: number, timeTo: number): KeyValueIterator<Windowed<K>, V>
  backwardFetchAll(timeFrom: number, timeTo: number): KeyValueIterator<Windowed<K>, V>
  all(): KeyValueIterator<Windowed<K>, V>
  backwardAll(): KeyValueIterator<Windowed<K>, V>
}

export interface WindowStore<K, V> extends StateStore, ReadOnlyWindowStore<K, V> {
  /**
   * Writes `key`'s window starting at `windowStartTimestamp`; `null` deletes it. A store that
   * retains duplicates (stream-stream joins) keeps every put and ignores `null`. A window older
   * than the retention period is not written.
   */
  put(key: K, value: V | null, windowStartTimestamp: number): void
}

/** The window store of DSL windowed aggregations: values carry the timestamp of their last update. */
export type TimestampedWindowStore<K, V> = WindowStore<K, ValueAndTimestamp<V>>

/**
 * The bytes-level window store every window decorator wraps (Kafka's `WindowStore<Bytes,
 * byte[]>`). Iterators hand out store keys (`key | start | seqnum`, see window-key-schema.ts).
 */
export interface WindowBytesStore extends StateStore {
  /** The size of the windows stored, so the typed layer can tell a window's end. */
  readonly windowSize: number
  readonly retentionPeriod: number
  readonly retainDuplicates: boolean
  /** `seqnum` is 0 except in stores that retain duplicates, where it tells puts apart. */
  put(key: Buffer, value: Buffer | null, windowStart: number, seqnum: number): void
  fetch(key: Buffer, windowStart: number): Buffer | undefined
  fetchKey(key: Buffer, timeFrom: number, timeTo: number, backward: boolean): KeyValueIterator<Buffer, Buffer>
  fetchKeyRange(keyFrom: Buffer | undefined, keyTo: Buffer | undefined, timeFrom: number, timeTo: number, backward: boolean): KeyValueIterator<Buffer, Buffer>
  fetchAll(timeFrom: number, timeTo: number, backward: boolean): KeyValueIterator<Buffer, Buffer>
  all(backward: boolean): KeyValueIterator<Buffer, Buffer>
}

/** Makes one bytes window store per call (Kafka's `WindowBytesStoreSupplier`). */
export interface WindowBytesStoreSupplier {
  readonly name: string
  /** `in-memory` or `rocksdb`. */
  readonly metricsScope: string
  readonly retentionPeriod: number
  readonly windowSize: number
  readonly segmentInterval: number
  readonly retainDuplicates: boolean
  get(): WindowBytesStore
}

/** True for typed window stores, told apart from key-value and session stores by shape. */
export function isWindowStore(store: StateStore): store is WindowStore<unknown, unknown> {
  const s = store as Partial<WindowStore<unknown, unknown>>
  return typeof s.fetchAll === 'function' && typeof s.backwardFetch === 'function' && typeof s.put === 'function'
}
