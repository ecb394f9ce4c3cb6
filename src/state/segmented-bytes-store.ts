import { AbstractKeyValueIterator } from './key-value-iterator.ts'
import { deriveContext } from './store-context.ts'
import type { ChangelogRecord, KeyValue, KeyValueBytesStore, KeyValueIterator, StateStoreContext } from './store.ts'
import { readTimestamp, TIMESTAMP_SIZE, writeTimestamp } from './value-and-timestamp.ts'

/** Kafka's default: segments of half the retention, at least a minute. */
export function defaultSegmentInterval(retentionPeriod: number): number {
  return Math.max(Math.floor(retentionPeriod / 2), 60_000)
}

/** A bytes store that can drop a key range at once (both bytes stores can). */
interface RangeDeletable {
  deleteRange(from: Buffer, to: Buffer): void
}

export interface SegmentedRange {
  /** Only segments holding times in `[timeFrom, timeTo]` are read. */
  readonly timeFrom: number
  readonly timeTo: number
  /** Bounds of the store keys read within each segment (inclusive; undefined = the whole segment). */
  readonly lower: Buffer | undefined
  readonly upper: Buffer | undefined
  /** Keeps a store key (range scans also meet neighbouring keys and times). */
  readonly accept: (storeKey: Buffer) => boolean
  readonly backward: boolean
}

/**
 * The time-segmented bytes store under window and session stores (Kafka's
 * `RocksDBSegmentedBytesStore` / `AbstractSegments`). Records are grouped by time into segments of
 * `segmentInterval` ms; once stream time (the largest record time seen) has passed a segment by
 * the retention period, the whole segment is dropped with one range deletion, and records older
 * than the retention are neither written nor read.
 *
 * Kafka keeps one RocksDB instance per segment. Opening a database is asynchronous here and
 * segments appear mid-processing, so all segments share one database instead: each key is
 * prefixed with its 8-byte big-endian segment id, which keeps a segment contiguous and makes
 * dropping it a single RocksDB `DeleteRange`. The in-memory variant uses the same layout over the
 * in-memory bytes store.
 *
 * Records are store keys (see window-key-schema.ts); `segmentTimestamp` reads the time that
 * places one in a segment (window start, session end).
 */
export class SegmentedBytesStore {
  readonly name: string
  readonly retentionPeriod: number
  readonly segmentInterval: number
  readonly #inner: KeyValueBytesStore & Partial<RangeDeletable>
  readonly #segmentTimestamp: (storeKey: Buffer) => number
  readonly #recordLevelExpiry: boolean
  /** Ids of the segments that hold data, ascending. */
  #segments: number[] = []
  #observedStreamTime = -1
  /** Records not written because they were older than the retention, since the store was built. */
  expiredRecords = 0

  constructor(
    inner: KeyValueBytesStore,
    retentionPeriod: number,
    segmentInterval: number,
    segmentTimestamp: (storeKey: Buffer) => number,
    recordLevelExpiry = true,
  ) {
    if (!(retentionPeriod >= 0)) throw new RangeError(`Retention period must not be negative, got ${retentionPeriod}`)
    if (!(segmentInterval >= 1)) throw new RangeError(`Segment interval must be at least 1 ms, got ${segmentInterval}`)
    this.name = inner.name
    this.#inner = inner
    this.retentionPeriod = retentionPeriod
    this.segmentInterval = segmentInterval
    this.#segmentTimestamp = segmentTimestamp
    this.#recordLevelExpiry = recordLevelExpiry
  }

  get persistent(): boolean {
    return this.#inner.persistent
  }

  /** The largest record time written or restored (-1 before any). */
  get observedStreamTime(): number {
    return this.#observedStreamTime
  }

  /** Ids of the segments holding data (for tests and metrics). */
  get segmentIds(): readonly number[] {
    return this.#segments
  }

  async open(context: StateStoreContext): Promise<void> {
    await this.#inner.open?.(context)
  }

  /**
   * Initialises the inner store without letting it register itself: the changelog holds store
   * keys without segment prefixes, so the caller registers `restore` of this class instead.
   */
  init(context: StateStoreContext): void {
    this.#inner.init(deriveContext(context, { register: () => {} }))
    this.#segments = this.#discoverSegments()
  }

  isOpen(): boolean {
    return this.#inner.isOpen()
  }

  flush(): void {
    this.#inner.flush()
  }

  close(): void {
    this.#segments = []
    this.#inner.close()
  }

  segmentId(timestamp: number): number {
    return Math.floor(timestamp / this.segmentInterval)
  }

  /**
   * False for a time older than the retention: such records are dropped on write and hidden on
   * read. Without record-level expiry (session stores, as Kafka's RocksDB session store) a record
   * lives as long as its segment, so a session still open at the edge of the retention is found.
   */
  isLive(timestamp: number): boolean {
    if (this.#observedStreamTime < 0) return true
    if (this.#recordLevelExpiry) return timestamp > this.#observedStreamTime - this.retentionPeriod
    return this.segmentId(timestamp) >= this.segmentId(this.#observedStreamTime - this.retentionPeriod)
  }

  get(storeKey: Buffer): Buffer | undefined {
    const timestamp = this.#segmentTimestamp(storeKey)
    if (!this.isLive(timestamp)) return undefined
    return this.#inner.get(prefixed(this.segmentId(timestamp), storeKey))
  }

  /** Writes (or with `null` deletes) one record; returns false when it was too old to keep. */
  put(storeKey: Buffer, value: Buffer | null): boolean {
    const timestamp = this.#segmentTimestamp(storeKey)
    if (timestamp > this.#observedStreamTime) this.#observedStreamTime = timestamp
    if (!this.isLive(timestamp)) {
      this.expiredRecords++
      return false
    }
    const id = this.segmentId(timestamp)
    const index = this.#indexOf(id)
    if (this.#segments[index] !== id) {
      if (value === null) return true
      this.#segments.splice(index, 0, id)
    }
    this.#inner.put(prefixed(id, storeKey), value)
    this.#dropExpiredSegments()
    return true
  }

  /** Applies restored changelog records (store keys, as the change-logging layer wrote them). */
  restore(batch: ReadonlyArray<ChangelogRecord>): void {
    for (const { key, value } of batch) this.put(key, value)
  }

  range(range: SegmentedRange): KeyValueIterator<Buffer, Buffer> {
    const from = this.#observedStreamTime < 0 || !this.#recordLevelExpiry
      ? range.timeFrom
      : Math.max(range.timeFrom, this.#observedStreamTime - this.retentionPeriod + 1)
    const first = this.#indexOf(this.segmentId(Math.max(0, from)))
    const last = this.#indexOf(this.segmentId(range.timeTo) + 1)
    const ids = from > range.timeTo ? [] : this.#segments.slice(first, last)
    if (range.backward) ids.reverse()
    const accept = range.accept
    return new SegmentsIterator(ids, (id) => {
      const lower = range.lower === undefined ? segmentPrefix(id) : prefixed(id, range.lower)
      // No stored key equals a bare 8-byte prefix, so the next segment's prefix bounds this one.
      const upper = range.upper === undefined ? segmentPrefix(id + 1) : prefixed(id, range.upper)
      return range.backward ? this.#inner.reverseRange(lower, upper) : this.#inner.range(lower, upper)
    }, (storeKey) => this.isLive(this.#segmentTimestamp(storeKey)) && accept(storeKey))
  }

  all(backward: boolean): KeyValueIterator<Buffer, Buffer> {
    return this.range({ timeFrom: 0, timeTo: Number.MAX_SAFE_INTEGER, lower: undefined, upper: undefined, accept: () => true, backward })
  }

  #dropExpiredSegments(): void {
    const minLive = this.segmentId(this.#observedStreamTime - this.retentionPeriod)
    let n = 0
    while (n < this.#segments.length && this.#segments[n]! < minLive) n++
    if (n === 0) return
    const dropped = this.#segments.splice(0, n)
    const from = segmentPrefix(dropped[0]!)
    const to = segmentPrefix(dropped[dropped.length - 1]! + 1)
    if (this.#inner.deleteRange !== undefined) {
      this.#inner.deleteRange(from, to)
      return
    }
    const keys: Buffer[] = []
    // No stored key equals a bare 8-byte prefix, so the inclusive range ends before segment `to`.
    for (const { key } of this.#inner.range(from, to)) keys.push(key)
    for (const key of keys) this.#inner.delete(key)
  }

  /** First index whose segment id is `>= id`. */
  #indexOf(id: number): number {
    const segments = this.#segments
    let lo = 0
    let hi = segments.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (segments[mid]! < id) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** The segment ids already on disk: one short seek per segment. */
  #discoverSegments(): number[] {
    const ids: number[] = []
    let next: Buffer | undefined = undefined
    for (;;) {
      const iterator: KeyValueIterator<Buffer, Buffer> = this.#inner.range(next, undefined)
      const first = iterator.next()
      iterator.close()
      if (first.done === true) return ids
      const id = readTimestamp(first.value.key, 0)
      ids.push(id)
      next = segmentPrefix(id + 1)
    }
  }
}

function segmentPrefix(id: number): Buffer {
  const bytes = Buffer.allocUnsafe(TIMESTAMP_SIZE)
  writeTimestamp(bytes, id, 0)
  return bytes
}

function prefixed(id: number, storeKey: Buffer): Buffer {
  const bytes = Buffer.allocUnsafe(TIMESTAMP_SIZE + storeKey.length)
  writeTimestamp(bytes, id, 0)
  storeKey.copy(bytes, TIMESTAMP_SIZE)
  return bytes
}

/**
 * Reads segments one after another, opening each segment's range only when the previous one is
 * exhausted, and hands out store keys without their segment prefix.
 */
class SegmentsIterator extends AbstractKeyValueIterator<Buffer, Buffer> {
  readonly #ids: readonly number[]
  readonly #open: (id: number) => KeyValueIterator<Buffer, Buffer>
  readonly #accept: (storeKey: Buffer) => boolean
  #position = 0
  #current: KeyValueIterator<Buffer, Buffer> | null = null

  constructor(ids: readonly number[], open: (id: number) => KeyValueIterator<Buffer, Buffer>, accept: (storeKey: Buffer) => boolean) {
    super()
    this.#ids = ids
    this.#open = open
    this.#accept = accept
  }

  protected advance(): KeyValue<Buffer, Buffer> | undefined {
    for (;;) {
      if (this.#current === null) {
        if (this.#position >= this.#ids.length) return undefined
        const id = this.#ids[this.#position++]!
        this.#current = this.#open(id)
      }
      const next = this.#current.next()
      if (next.done === true) {
        this.#current = null
        continue
      }
      const { key, value } = next.value
      const storeKey = key.subarray(TIMESTAMP_SIZE)
      if (this.#accept(storeKey)) return { key: storeKey, value }
    }
  }

  protected release(): void {
    this.#current?.close()
    this.#current = null
  }
}
