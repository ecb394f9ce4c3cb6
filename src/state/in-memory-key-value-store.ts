import { isInvertedRange, keyBuffer, keyString, lowerBound, prefixUpperBound, upperBound } from './bytes.ts'
import { InvalidStateStoreError } from './errors.ts'
import { AbstractKeyValueIterator, emptyIterator } from './key-value-iterator.ts'
import type { ChangelogRecord, KeyValue, KeyValueBytesStore, KeyValueIterator, StateStoreContext } from './store.ts'

/**
 * Once the sorted key array exists, new and removed keys are spliced into it (a memmove), which
 * keeps range-heavy workloads cheap. After this many splices without a range read the array is
 * dropped instead, so bulk loads do not pay O(n) per insert; the next range read re-sorts.
 */
const MAX_SPLICES_BETWEEN_READS = 1024

/**
 * The in-memory bytes store (Kafka's `InMemoryKeyValueStore`): a `Map` keyed by the latin1 form
 * of the key for point operations, plus a lazily built sorted key array for ordered reads.
 *
 * Iterators see a snapshot: while any is open, the first write materializes each open
 * iterator's remaining entries before applying itself, so the common case (no open iterator)
 * costs nothing. Stored buffers are kept by reference; callers must not mutate them afterwards.
 * Not persistent: `close()` drops the data and the task restores it from the changelog.
 */
export class InMemoryKeyValueStore implements KeyValueBytesStore {
  readonly name: string
  readonly persistent = false
  readonly #map = new Map<string, Buffer>()
  #sorted: string[] | null = null
  #splices = 0
  #open = false
  readonly #iterators = new Set<InMemoryIterator>()

  constructor(name: string) {
    this.name = name
  }

  init(context: StateStoreContext): void {
    this.#open = true
    context.register(this, (batch) => this.#restore(batch))
  }

  isOpen(): boolean {
    return this.#open
  }

  flush(): void {}

  close(): void {
    for (const iterator of this.#iterators) iterator.close()
    this.#iterators.clear()
    this.#map.clear()
    this.#sorted = null
    this.#open = false
  }

  get(key: Buffer): Buffer | undefined {
    this.#assertOpen()
    return this.#map.get(keyString(key))
  }

  put(key: Buffer, value: Buffer | null): void {
    this.#assertOpen()
    if (value === null) this.#remove(keyString(key))
    else this.#set(keyString(key), value)
  }

  putIfAbsent(key: Buffer, value: Buffer): Buffer | undefined {
    this.#assertOpen()
    const k = keyString(key)
    const existing = this.#map.get(k)
    if (existing === undefined) this.#set(k, value)
    return existing
  }

  putAll(entries: ReadonlyArray<KeyValue<Buffer, Buffer | null>>): void {
    this.#assertOpen()
    for (const { key, value } of entries) {
      if (value === null) this.#remove(keyString(key))
      else this.#set(keyString(key), value)
    }
  }

  delete(key: Buffer): Buffer | undefined {
    this.#assertOpen()
    return this.#remove(keyString(key))
  }

  range(from: Buffer | undefined, to: Buffer | undefined): KeyValueIterator<Buffer, Buffer> {
    return this.#range(from, to, false)
  }

  reverseRange(from: Buffer | undefined, to: Buffer | undefined): KeyValueIterator<Buffer, Buffer> {
    return this.#range(from, to, true)
  }

  all(): KeyValueIterator<Buffer, Buffer> {
    return this.#range(undefined, undefined, false)
  }

  reverseAll(): KeyValueIterator<Buffer, Buffer> {
    return this.#range(undefined, undefined, true)
  }

  prefixScan<P>(prefix: P, prefixSerializer: { serialize(topic: string, value: P): Buffer }): KeyValueIterator<Buffer, Buffer> {
    this.#assertOpen()
    const bytes = prefixSerializer.serialize(this.name, prefix)
    const keys = this.#sortedKeys()
    const start = lowerBound(keys, keyString(bytes))
    const upper = prefixUpperBound(bytes)
    const end = upper === undefined ? keys.length : lowerBound(keys, keyString(upper))
    return this.#openIterator(keys, start, end, false)
  }

  approximateNumEntries(): number {
    this.#assertOpen()
    return this.#map.size
  }

  /**
   * Deletes every key in `[from, to)` at once (segmented window stores drop an expired segment
   * this way): one slice of the sorted key array instead of a splice per key.
   */
  deleteRange(from: Buffer, to: Buffer): void {
    this.#assertOpen()
    if (Buffer.compare(from, to) >= 0) return
    const keys = this.#sortedKeys()
    const start = lowerBound(keys, keyString(from))
    const end = lowerBound(keys, keyString(to))
    if (start >= end) return
    if (this.#iterators.size !== 0) this.#detachIterators()
    for (let i = start; i < end; i++) this.#map.delete(keys[i]!)
    keys.splice(start, end - start)
  }

  #range(from: Buffer | undefined, to: Buffer | undefined, reverse: boolean): KeyValueIterator<Buffer, Buffer> {
    this.#assertOpen()
    if (isInvertedRange(from, to)) return emptyIterator()
    const keys = this.#sortedKeys()
    const start = from === undefined ? 0 : lowerBound(keys, keyString(from))
    const end = to === undefined ? keys.length : upperBound(keys, keyString(to))
    return this.#openIterator(keys, start, end, reverse)
  }

  #openIterator(keys: string[], start: number, end: number, reverse: boolean): KeyValueIterator<Buffer, Buffer> {
    if (start >= end) return emptyIterator()
    const iterator = new InMemoryIterator(keys, start, end, reverse, this.#map, this.#iterators)
    this.#iterators.add(iterator)
    return iterator
  }

  #sortedKeys(): string[] {
    this.#splices = 0
    if (this.#sorted === null) this.#sorted = Array.from(this.#map.keys()).sort()
    return this.#sorted
  }

  #set(k: string, value: Buffer): void {
    if (this.#iterators.size !== 0) this.#detachIterators()
    const size = this.#map.size
    this.#map.set(k, value)
    if (this.#map.size !== size && this.#sorted !== null) {
      if (++this.#splices > MAX_SPLICES_BETWEEN_READS) this.#sorted = null
      else this.#sorted.splice(lowerBound(this.#sorted, k), 0, k)
    }
  }

  #remove(k: string): Buffer | undefined {
    const old = this.#map.get(k)
    if (old === undefined) return undefined
    if (this.#iterators.size !== 0) this.#detachIterators()
    this.#map.delete(k)
    if (this.#sorted !== null) {
      if (++this.#splices > MAX_SPLICES_BETWEEN_READS) this.#sorted = null
      else this.#sorted.splice(lowerBound(this.#sorted, k), 1)
    }
    return old
  }

  #detachIterators(): void {
    for (const iterator of this.#iterators) iterator.detach()
    this.#iterators.clear()
  }

  #restore(batch: ReadonlyArray<ChangelogRecord>): void {
    for (const { key, value } of batch) {
      if (value === null) this.#remove(keyString(key))
      else this.#set(keyString(key), value)
    }
  }

  #assertOpen(): void {
    if (!this.#open) throw new InvalidStateStoreError(`Store ${this.name} is not open`)
  }
}

/**
 * Walks a window of the sorted key array, reading values from the live map until `detach()`
 * copies the rest (called just before the store's next write).
 */
class InMemoryIterator extends AbstractKeyValueIterator<Buffer, Buffer> {
  #keys: readonly string[]
  #values: ReadonlyMap<string, Buffer> | null
  #detachedValues: Buffer[] | null = null
  #next: number
  #end: number
  readonly #reverse: boolean
  readonly #registry: Set<InMemoryIterator>

  constructor(
    keys: readonly string[],
    start: number,
    end: number,
    reverse: boolean,
    values: ReadonlyMap<string, Buffer>,
    registry: Set<InMemoryIterator>,
  ) {
    super()
    this.#keys = keys
    this.#values = values
    this.#reverse = reverse
    this.#registry = registry
    // Forward walks next → end; reverse walks next (= end - 1) down to end (= start - 1).
    this.#next = reverse ? end - 1 : start
    this.#end = reverse ? start - 1 : end
  }

  protected advance(): KeyValue<Buffer, Buffer> | undefined {
    if (this.#next === this.#end) return undefined
    const i = this.#next
    this.#next += this.#reverse ? -1 : 1
    const k = this.#keys[i]!
    const value = this.#detachedValues === null ? this.#values!.get(k)! : this.#detachedValues[i]!
    return { key: keyBuffer(k), value }
  }

  /** Copies the remaining entries so later writes to the store do not show through. */
  detach(): void {
    const lo = this.#reverse ? this.#end + 1 : this.#next
    const hi = this.#reverse ? this.#next + 1 : this.#end
    const keys = this.#keys.slice(lo, hi)
    const values = keys.map((k) => this.#values!.get(k)!)
    this.#keys = keys
    this.#detachedValues = values
    this.#values = null
    if (this.#reverse) {
      this.#next = keys.length - 1
      this.#end = -1
    } else {
      this.#next = 0
      this.#end = keys.length
    }
  }

  protected release(): void {
    this.#registry.delete(this)
    this.#keys = []
    this.#values = null
    this.#detachedValues = null
  }
}
