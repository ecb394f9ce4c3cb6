import { SegmentedBytesStore } from './segmented-bytes-store.ts'
import type { KeyValueBytesStore, KeyValueIterator, StateStoreContext } from './store.ts'
import { hasKey, keyWithin, WINDOW_SUFFIX_SIZE, windowKeyUpperBound, windowStartOf, windowStoreKey } from './window-key-schema.ts'
import type { WindowBytesStore } from './window-store.ts'

const MAX_SEQNUM = 0xffffffff

export interface SegmentedWindowStoreOptions {
  readonly retentionPeriod: number
  readonly windowSize: number
  readonly segmentInterval: number
  readonly retainDuplicates: boolean
}

/**
 * The bytes window store (Kafka's `RocksDBWindowStore` / `InMemoryWindowStore`): window store keys
 * in a time-segmented store over a RocksDB or in-memory bytes store. A key's windows are
 * contiguous within a segment, so `fetchKey` is one short range scan per segment and the
 * aggregation's `fetch(key, start)` is a point read.
 */
export class SegmentedWindowStore implements WindowBytesStore {
  readonly name: string
  readonly windowSize: number
  readonly retentionPeriod: number
  readonly retainDuplicates: boolean
  readonly segments: SegmentedBytesStore

  constructor(inner: KeyValueBytesStore, options: SegmentedWindowStoreOptions) {
    if (!(options.windowSize >= 0)) throw new RangeError(`Window size must not be negative, got ${options.windowSize}`)
    if (options.retentionPeriod < options.windowSize) {
      throw new RangeError(
        `The retention period of window store ${inner.name} (${options.retentionPeriod} ms) must be no smaller than its window size (${options.windowSize} ms)`,
      )
    }
    this.name = inner.name
    this.windowSize = options.windowSize
    this.retentionPeriod = options.retentionPeriod
    this.retainDuplicates = options.retainDuplicates
    this.segments = new SegmentedBytesStore(inner, options.retentionPeriod, options.segmentInterval, windowStartOf)
  }

  get persistent(): boolean {
    return this.segments.persistent
  }

  async open(context: StateStoreContext): Promise<void> {
    await this.segments.open(context)
  }

  init(context: StateStoreContext): void {
    this.segments.init(context)
    context.register(this, (batch) => this.segments.restore(batch))
  }

  isOpen(): boolean {
    return this.segments.isOpen()
  }

  flush(): void {
    this.segments.flush()
  }

  close(): void {
    this.segments.close()
  }

  put(key: Buffer, value: Buffer | null, windowStart: number, seqnum: number): void {
    this.segments.put(windowStoreKey(key, windowStart, seqnum), value)
  }

  fetch(key: Buffer, windowStart: number): Buffer | undefined {
    return this.segments.get(windowStoreKey(key, windowStart, 0))
  }

  fetchKey(key: Buffer, timeFrom: number, timeTo: number, backward: boolean): KeyValueIterator<Buffer, Buffer> {
    return this.segments.range({
      timeFrom,
      timeTo,
      lower: windowStoreKey(key, Math.max(0, timeFrom), 0),
      upper: windowStoreKey(key, timeTo, MAX_SEQNUM),
      accept: (storeKey) => hasKey(storeKey, WINDOW_SUFFIX_SIZE, key) && within(windowStartOf(storeKey), timeFrom, timeTo),
      backward,
    })
  }

  fetchKeyRange(keyFrom: Buffer | undefined, keyTo: Buffer | undefined, timeFrom: number, timeTo: number, backward: boolean): KeyValueIterator<Buffer, Buffer> {
    return this.segments.range({
      timeFrom,
      timeTo,
      lower: keyFrom,
      upper: keyTo === undefined ? undefined : windowKeyUpperBound(keyTo),
      accept: (storeKey) => keyWithin(storeKey, WINDOW_SUFFIX_SIZE, keyFrom, keyTo) && within(windowStartOf(storeKey), timeFrom, timeTo),
      backward,
    })
  }

  fetchAll(timeFrom: number, timeTo: number, backward: boolean): KeyValueIterator<Buffer, Buffer> {
    return this.fetchKeyRange(undefined, undefined, timeFrom, timeTo, backward)
  }

  all(backward: boolean): KeyValueIterator<Buffer, Buffer> {
    return this.segments.all(backward)
  }
}

function within(time: number, from: number, to: number): boolean {
  return time >= from && time <= to
}
