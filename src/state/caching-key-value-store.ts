import { BYTES_SERIALIZER, isInvertedRange, keyString, prefixUpperBound } from './bytes.ts'
import { InvalidStateStoreError } from './errors.ts'
import { emptyIterator } from './key-value-iterator.ts'
import { MergedCacheIterator, type CachedWrite } from './merged-cache-iterator.ts'
import { deriveContext } from './store-context.ts'
import type { KeyValue, KeyValueBytesStore, KeyValueIterator, StateStoreContext } from './store.ts'
import { WrappedKeyValueBytesStore } from './wrapped-key-value-store.ts'

/**
 * Receives each deduplicated write when the cache flushes (Kafka's `CacheFlushListener`):
 * `oldValue` is the value the layers below held before (null when absent, or when old values
 * were not requested); `timestamp` is the timestamp of the record that made the last write.
 */
export type CacheFlushListener<K, V> = (key: K, newValue: V | null, oldValue: V | null, timestamp: number) => void

export interface CachingOptions {
  /** Dirty keys held before the whole cache is flushed (Kafka evicts by bytes; default 10,000). */
  readonly maxEntries?: number
}

/**
 * A write-back cache (Kafka's `CachingKeyValueStore`): writes stay here, deduplicated per key,
 * until `flush()` (commit) or until more than `maxEntries` keys are dirty; then they go
 * downstream in arrival order, each one also handed to the flush listener, so a KTable emits
 * one update per key per commit instead of one per record. Reads see cached writes first;
 * ranges merge the cache with the store below.
 */
export class CachingKeyValueStore extends WrappedKeyValueBytesStore {
  readonly #maxEntries: number
  #dirty = new Map<string, CachedWrite>()
  readonly #iterators = new Set<MergedCacheIterator>()
  #listener: CacheFlushListener<Buffer, Buffer> | null = null
  #sendOldValues = false
  #context: StateStoreContext | null = null
  /** While flushing, the timestamp the layers below (change logging) must see. */
  #flushTimestamp: number | null = null

  constructor(wrapped: KeyValueBytesStore, options: CachingOptions = {}) {
    super(wrapped)
    this.#maxEntries = options.maxEntries ?? 10_000
  }

  /** Installs the listener; returns true (Kafka's `CachedStateStore.setFlushListener`). */
  setFlushListener(listener: CacheFlushListener<Buffer, Buffer>, sendOldValues: boolean): boolean {
    this.#listener = listener
    this.#sendOldValues = sendOldValues
    return true
  }

  override init(context: StateStoreContext): void {
    this.#context = context
    super.init(
      deriveContext(context, { currentTimestamp: () => this.#flushTimestamp ?? context.currentTimestamp() }),
    )
  }

  override get(key: Buffer): Buffer | undefined {
    if (this.#dirty.size !== 0) {
      const cached = this.#dirty.get(keyString(key))
      if (cached !== undefined) return cached.value ?? undefined
    }
    return this.wrapped.get(key)
  }

  override put(key: Buffer, value: Buffer | null): void {
    if (this.#context === null) throw new InvalidStateStoreError(`Store ${this.name} is not open`)
    const k = keyString(key)
    // Re-inserting moves the key to the end: flush order is the order of last writes, as in Kafka.
    this.#dirty.delete(k)
    this.#dirty.set(k, { k, key, value, timestamp: this.#context?.currentTimestamp() ?? -1 })
    if (this.#dirty.size > this.#maxEntries) this.#flushCache()
  }

  override putIfAbsent(key: Buffer, value: Buffer): Buffer | undefined {
    const existing = this.get(key)
    if (existing === undefined) this.put(key, value)
    return existing
  }

  override putAll(entries: ReadonlyArray<KeyValue<Buffer, Buffer | null>>): void {
    for (const { key, value } of entries) this.put(key, value)
  }

  override delete(key: Buffer): Buffer | undefined {
    const old = this.get(key)
    this.put(key, null)
    return old
  }

  override range(from: Buffer | undefined, to: Buffer | undefined): KeyValueIterator<Buffer, Buffer> {
    return this.#merged(from, to, false)
  }

  override reverseRange(from: Buffer | undefined, to: Buffer | undefined): KeyValueIterator<Buffer, Buffer> {
    return this.#merged(from, to, true)
  }

  override all(): KeyValueIterator<Buffer, Buffer> {
    return this.#merged(undefined, undefined, false)
  }

  override reverseAll(): KeyValueIterator<Buffer, Buffer> {
    return this.#merged(undefined, undefined, true)
  }

  override prefixScan<P>(prefix: P, prefixSerializer: { serialize(topic: string, value: P): Buffer }): KeyValueIterator<Buffer, Buffer> {
    const bytes = prefixSerializer.serialize(this.name, prefix)
    const upper = prefixUpperBound(bytes)
    const lo = keyString(bytes)
    const hi = upper === undefined ? undefined : keyString(upper)
    const cached = this.#cachedBetween((k) => k >= lo && (hi === undefined || k < hi), false)
    return this.#track(new MergedCacheIterator(cached, this.wrapped.prefixScan(bytes, BYTES_SERIALIZER), false))
  }

  /** The store below's estimate plus cached puts (an over-count when they overwrite). */
  override approximateNumEntries(): number {
    let cachedPuts = 0
    for (const entry of this.#dirty.values()) if (entry.value !== null) cachedPuts++
    return this.wrapped.approximateNumEntries() + cachedPuts
  }

  override flush(): void {
    this.#flushCache()
    this.wrapped.flush()
  }

  override close(): void {
    for (const iterator of this.#iterators) iterator.close()
    this.#iterators.clear()
    try {
      this.#flushCache()
    } finally {
      this.#dirty.clear()
      this.#context = null
      this.wrapped.close()
    }
  }

  #merged(from: Buffer | undefined, to: Buffer | undefined, reverse: boolean): KeyValueIterator<Buffer, Buffer> {
    if (isInvertedRange(from, to)) return emptyIterator()
    const lo = from === undefined ? undefined : keyString(from)
    const hi = to === undefined ? undefined : keyString(to)
    const cached = this.#cachedBetween((k) => (lo === undefined || k >= lo) && (hi === undefined || k <= hi), reverse)
    const below = reverse ? this.wrapped.reverseRange(from, to) : this.wrapped.range(from, to)
    return this.#track(new MergedCacheIterator(cached, below, reverse))
  }

  #track(iterator: MergedCacheIterator): MergedCacheIterator {
    this.#iterators.add(iterator)
    iterator.onClose = () => this.#iterators.delete(iterator)
    return iterator
  }

  /** A sorted copy of the dirty entries that match: the snapshot the merged iterator walks. */
  #cachedBetween(matches: (k: string) => boolean, reverse: boolean): CachedWrite[] {
    const entries: CachedWrite[] = []
    for (const entry of this.#dirty.values()) if (matches(entry.k)) entries.push(entry)
    entries.sort(reverse ? (a, b) => (a.k < b.k ? 1 : -1) : (a, b) => (a.k < b.k ? -1 : 1))
    return entries
  }

  #flushCache(): void {
    if (this.#dirty.size === 0) return
    const entries = this.#dirty
    // A fresh map first: a listener that writes back into this store must not see a half-flushed one.
    this.#dirty = new Map()
    const listener = this.#listener
    for (const entry of entries.values()) {
      this.#flushTimestamp = entry.timestamp
      try {
        if (listener === null) {
          this.wrapped.put(entry.key, entry.value)
          continue
        }
        const old = entry.value === null || this.#sendOldValues ? (this.wrapped.get(entry.key) ?? null) : null
        // A key that neither existed below nor holds a value now never happened: skip it, as Kafka does.
        if (entry.value === null && old === null) continue
        this.wrapped.put(entry.key, entry.value)
        listener(entry.key, entry.value, this.#sendOldValues ? old : null, entry.timestamp)
      } finally {
        this.#flushTimestamp = null
      }
    }
  }
}
