/**
 * State store contracts. Inner stores speak bytes (`KeyValueStore<Buffer, Buffer>`, ordered by
 * unsigned lexicographic byte order, like RocksDB); only the outermost metered layer is typed.
 * A store is built by decorators: metered(caching?(changelogging(inner))) — DESIGN.md, decision 4.
 */

export interface KeyValue<K, V> {
  readonly key: K
  readonly value: V
}

/**
 * A synchronous iterator over store entries. Works with `for...of` (breaking out closes it) and
 * with `using`; call `close()` when iterating by hand, as RocksDB iterators hold native resources.
 */
export interface KeyValueIterator<K, V> extends IterableIterator<KeyValue<K, V>>, Disposable {
  close(): void
}

/** What the runtime hands a store when its task initialises it. */
export interface StateStoreContext {
  readonly applicationId: string
  readonly taskId: string
  /** Directory for this task's persistent stores: `<stateDir>/<applicationId>/<taskId>`. */
  readonly taskStateDir: string
  /** The changelog topic of `storeName`, `<applicationId>-<storeName>-changelog`. */
  changelogTopic(storeName: string): string
  /** The task's input partition, which is also the changelog partition this task writes. */
  readonly partition: number
  /**
   * Registers a store with the task's state manager: the restore callback receives changelog
   * records (bytes; `value === null` deletes) during restore, before processing starts.
   */
  register(store: StateStore, restore: RestoreCallback): void
  /** Appends one change to the store's changelog (through the task's record collector). */
  logChange(storeName: string, key: Buffer, value: Buffer | null, timestamp: number): void
  /** Timestamp of the record being processed (for changelog records and timestamped stores). */
  currentTimestamp(): number
}

/**
 * One changelog record handed to a restore callback. `timestamp` is the changelog record's
 * timestamp: timestamped stores need it, because their changelog carries the plain value (as Kafka
 * Streams' does) and the store keeps `8-byte timestamp + value`. The runtime should always set it.
 */
export interface ChangelogRecord extends KeyValue<Buffer, Buffer | null> {
  readonly timestamp?: number
}

export type RestoreCallback = (batch: ReadonlyArray<ChangelogRecord>) => void

export interface StateStore {
  readonly name: string
  /** True for stores on disk (RocksDB), which survive restarts and can be checkpointed. */
  readonly persistent: boolean
  /**
   * Asynchronous preparation the runtime awaits before `init` with the same context; only
   * `taskStateDir` may be used here. RocksDB opens its database here, because opening is
   * asynchronous in the native binding while everything after it is synchronous. Stores without
   * I/O omit it (decorators forward it).
   */
  open?(context: StateStoreContext): Promise<void>
  init(context: StateStoreContext): void
  /** Makes every write so far durable (RocksDB: writes the pending write batch). */
  flush(): void
  close(): void
  isOpen(): boolean
}

export interface ReadOnlyKeyValueStore<K, V> {
  get(key: K): V | undefined
  /** Entries with `from <= key <= to` in key order; an undefined bound is open. */
  range(from: K | undefined, to: K | undefined): KeyValueIterator<K, V>
  reverseRange(from: K | undefined, to: K | undefined): KeyValueIterator<K, V>
  all(): KeyValueIterator<K, V>
  reverseAll(): KeyValueIterator<K, V>
  /** Entries whose serialized key starts with the serialized prefix. */
  prefixScan<P>(prefix: P, prefixSerializer: { serialize(topic: string, value: P): Buffer }): KeyValueIterator<K, V>
  approximateNumEntries(): number
}

export interface KeyValueStore<K, V> extends StateStore, ReadOnlyKeyValueStore<K, V> {
  /** `null` deletes the key, as a tombstone does. */
  put(key: K, value: V | null): void
  /** Puts only when absent; returns the existing value, or undefined when it put. */
  putIfAbsent(key: K, value: V): V | undefined
  putAll(entries: ReadonlyArray<KeyValue<K, V | null>>): void
  /** Deletes and returns the old value. */
  delete(key: K): V | undefined
}

/** A value with the timestamp of the record that last wrote it (Kafka's `ValueAndTimestamp`). */
export interface ValueAndTimestamp<V> {
  readonly value: V
  readonly timestamp: number
}

export type TimestampedKeyValueStore<K, V> = KeyValueStore<K, ValueAndTimestamp<V>>

/** The bytes-level store every decorator wraps. */
export type KeyValueBytesStore = KeyValueStore<Buffer, Buffer>

/**
 * Builds one store instance per task. Topologies hold builders, never stores, because each task
 * of a sub-topology needs its own store.
 */
export interface StoreBuilder<S extends StateStore = StateStore> {
  readonly name: string
  readonly loggingEnabled: boolean
  /** Extra topic configs for the changelog (e.g. retention) when logging is enabled. */
  readonly logConfig: { readonly [key: string]: string }
  readonly cachingEnabled: boolean
  withLoggingEnabled(config?: { readonly [key: string]: string }): StoreBuilder<S>
  withLoggingDisabled(): StoreBuilder<S>
  withCachingEnabled(): StoreBuilder<S>
  withCachingDisabled(): StoreBuilder<S>
  build(): S
}
