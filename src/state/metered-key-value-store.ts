import type { Serde } from '../serdes/serde.ts'
import { BYTES_SERIALIZER } from './bytes.ts'
import { CachingKeyValueStore, type CacheFlushListener } from './caching-key-value-store.ts'
import { MappedKeyValueIterator } from './key-value-iterator.ts'
import { deriveContext, rootContext } from './store-context.ts'
import type { KeyValue, KeyValueBytesStore, KeyValueIterator, KeyValueStore, StateStore, StateStoreContext } from './store.ts'

const NO_KEY: unique symbol = Symbol('no key')

/** A store whose cache can report flushed writes (Kafka's `CachedStateStore`). */
export interface CachedStateStore<K, V> {
  /** Returns false when the store has no cache, in which case the caller forwards every write itself. */
  setFlushListener(listener: CacheFlushListener<K, V>, sendOldValues: boolean): boolean
}

export function isCachedStateStore<K = unknown, V = unknown>(store: StateStore): store is StateStore & CachedStateStore<K, V> {
  return typeof (store as Partial<CachedStateStore<K, V>>).setFlushListener === 'function'
}

/** Operation counts since the store was built, for the metrics layer to sample. */
export interface StoreOperationCounts {
  get: number
  put: number
  putIfAbsent: number
  putAll: number
  delete: number
  range: number
  prefixScan: number
  flush: number
}

/**
 * The typed outermost layer (Kafka's `MeteredKeyValueStore`): serializes keys and values with
 * the store's serdes, using the changelog topic name as the serde topic (as Kafka does, so
 * schema-registry subjects match a Java application), and counts operations. It also becomes
 * the store the task's state manager registers: the layers below see a context whose
 * `register` names this store.
 */
export class MeteredKeyValueStore<K, V> implements KeyValueStore<K, V>, CachedStateStore<K, V> {
  readonly wrapped: KeyValueBytesStore
  readonly keySerde: Serde<K>
  readonly valueSerde: Serde<V>
  /** Kafka's metrics scope of the inner store (`in-memory`, `rocksdb`). */
  readonly metricsScope: string
  readonly counts: StoreOperationCounts = { get: 0, put: 0, putIfAbsent: 0, putAll: 0, delete: 0, range: 0, prefixScan: 0, flush: 0 }
  #topic: string
  /**
   * The last `get`: its key, the key's bytes and the value bytes it found, until the next write
   * through this store. An aggregation reads a key then writes it back, so the write reuses the
   * key's bytes instead of serializing again; and where the task's undo log reads the value a
   * write will replace, that second read of the same key is answered from these bytes (freshly
   * deserialized, so callers never share a value object) without going down the store stack.
   * Primitive keys only (an object key may be mutated in between), compared with `Object.is`
   * (0 and -0 serialize apart). Any write, flush or restore forgets it.
   */
  #readKey: unknown = NO_KEY
  #readKeyBytes: Buffer | undefined = undefined
  #readValue: Buffer | undefined = undefined

  constructor(wrapped: KeyValueBytesStore, keySerde: Serde<K>, valueSerde: Serde<V>, metricsScope = 'unknown') {
    this.wrapped = wrapped
    this.keySerde = keySerde
    this.valueSerde = valueSerde
    this.metricsScope = metricsScope
    this.#topic = wrapped.name
  }

  get name(): string {
    return this.wrapped.name
  }

  get persistent(): boolean {
    return this.wrapped.persistent
  }

  /** The topic name handed to the serdes: the store's changelog topic once initialized. */
  get serdeTopic(): string {
    return this.#topic
  }

  async open(context: StateStoreContext): Promise<void> {
    await this.wrapped.open?.(context)
  }

  init(context: StateStoreContext): void {
    this.#forgetRead()
    this.#topic = context.changelogTopic(this.name)
    // Restored records are written below this layer: forget the last read when they arrive.
    const forgetting = deriveContext(context, {
      register: (store, restore) => context.register(store, (batch) => {
        this.#forgetRead()
        restore(batch)
      }),
    })
    this.wrapped.init(rootContext(forgetting, this))
  }

  flush(): void {
    this.counts.flush++
    this.#forgetRead()
    this.wrapped.flush()
  }

  close(): void {
    this.#forgetRead()
    this.wrapped.close()
  }

  isOpen(): boolean {
    return this.wrapped.isOpen()
  }

  setFlushListener(listener: CacheFlushListener<K, V>, sendOldValues: boolean): boolean {
    if (!(this.wrapped instanceof CachingKeyValueStore)) return false
    return this.wrapped.setFlushListener((key, newValue, oldValue, timestamp) => {
      listener(
        this.keySerde.deserialize(this.#topic, key),
        newValue === null ? null : this.valueSerde.deserialize(this.#topic, newValue),
        oldValue === null ? null : this.valueSerde.deserialize(this.#topic, oldValue),
        timestamp,
      )
    }, sendOldValues)
  }

  get(key: K): V | undefined {
    this.counts.get++
    let bytes: Buffer | undefined
    if (this.#readKey !== NO_KEY && Object.is(this.#readKey, key)) {
      bytes = this.#readValue
    } else {
      const keyBytes = this.keySerde.serialize(this.#topic, key)
      bytes = this.wrapped.get(keyBytes)
      if (typeof key !== 'object' && typeof key !== 'function') {
        this.#readKey = key
        this.#readKeyBytes = keyBytes
        this.#readValue = bytes
      }
    }
    return bytes === undefined ? undefined : this.valueSerde.deserialize(this.#topic, bytes)
  }

  put(key: K, value: V | null): void {
    this.counts.put++
    this.wrapped.put(this.#writeKeyBytes(key), value === null ? null : this.valueSerde.serialize(this.#topic, value))
  }

  putIfAbsent(key: K, value: V): V | undefined {
    this.counts.putIfAbsent++
    this.#forgetRead()
    const previous = this.wrapped.putIfAbsent(this.keySerde.serialize(this.#topic, key), this.valueSerde.serialize(this.#topic, value))
    return previous === undefined ? undefined : this.valueSerde.deserialize(this.#topic, previous)
  }

  putAll(entries: ReadonlyArray<KeyValue<K, V | null>>): void {
    this.counts.putAll++
    this.#forgetRead()
    this.wrapped.putAll(
      entries.map(({ key, value }) => ({
        key: this.keySerde.serialize(this.#topic, key),
        value: value === null ? null : this.valueSerde.serialize(this.#topic, value),
      })),
    )
  }

  delete(key: K): V | undefined {
    this.counts.delete++
    const old = this.wrapped.delete(this.#writeKeyBytes(key))
    return old === undefined ? undefined : this.valueSerde.deserialize(this.#topic, old)
  }

  range(from: K | undefined, to: K | undefined): KeyValueIterator<K, V> {
    this.counts.range++
    return this.#typed(this.wrapped.range(this.#keyOrUndefined(from), this.#keyOrUndefined(to)))
  }

  reverseRange(from: K | undefined, to: K | undefined): KeyValueIterator<K, V> {
    this.counts.range++
    return this.#typed(this.wrapped.reverseRange(this.#keyOrUndefined(from), this.#keyOrUndefined(to)))
  }

  all(): KeyValueIterator<K, V> {
    this.counts.range++
    return this.#typed(this.wrapped.all())
  }

  reverseAll(): KeyValueIterator<K, V> {
    this.counts.range++
    return this.#typed(this.wrapped.reverseAll())
  }

  prefixScan<P>(prefix: P, prefixSerializer: { serialize(topic: string, value: P): Buffer }): KeyValueIterator<K, V> {
    this.counts.prefixScan++
    return this.#typed(this.wrapped.prefixScan(prefixSerializer.serialize(this.#topic, prefix), BYTES_SERIALIZER))
  }

  approximateNumEntries(): number {
    return this.wrapped.approximateNumEntries()
  }

  /** The bytes of a key about to be written (the last read's, when it is the same key); forgets the read. */
  #writeKeyBytes(key: K): Buffer {
    const read = this.#readKey
    const bytes = read !== NO_KEY && Object.is(read, key) ? this.#readKeyBytes! : this.keySerde.serialize(this.#topic, key)
    this.#forgetRead()
    return bytes
  }

  #forgetRead(): void {
    this.#readKey = NO_KEY
    this.#readKeyBytes = undefined
    this.#readValue = undefined
  }

  #keyOrUndefined(key: K | undefined): Buffer | undefined {
    return key === undefined ? undefined : this.keySerde.serialize(this.#topic, key)
  }

  #typed(iterator: KeyValueIterator<Buffer, Buffer>): KeyValueIterator<K, V> {
    return new MappedKeyValueIterator(iterator, ({ key, value }) => ({
      key: this.keySerde.deserialize(this.#topic, key),
      value: this.valueSerde.deserialize(this.#topic, value),
    }))
  }
}
