import { isInvertedRange, keyString, prefixUpperBound } from './bytes.ts'
import { InvalidStateStoreError, StateErrorCode } from './errors.ts'
import { KeyFilter } from './key-filter.ts'
import { emptyIterator } from './key-value-iterator.ts'
import { RocksDBIterator } from './rocksdb-iterator.ts'
import { RowCache } from './row-cache.ts'
import { rocksdbBinding, type BatchHandle, type DatabaseHandle, type IteratorOptions, type RocksDBOptions } from './rocksdb-binding.ts'
import { closeDatabase, isEmpty, openDatabase, rocksDBStoreDirectory } from './rocksdb-database.ts'
import type { ChangelogRecord, KeyValue, KeyValueBytesStore, KeyValueIterator, StateStoreContext } from './store.ts'

export interface RocksDBStoreOptions extends RocksDBOptions {
  /**
   * Pending writes are written as one batch at `flush()` (the runtime flushes at commit). Past
   * this many distinct pending keys a write spills the batch early, bounding memory when commits
   * are far apart. Default 100,000.
   */
  readonly maxPendingWrites?: number
  /**
   * Recently read or written rows kept in JavaScript after they are written, so hot keys skip
   * the native call (a synchronous RocksDB point read costs microseconds, a Map lookup tens of
   * nanoseconds). Absent keys are remembered too. 0 disables it. Default 50,000 rows.
   */
  readonly rowCacheSize?: number
  /** fsync the write-ahead log on every batch write (survives power loss; slower). Default false. */
  readonly syncWrites?: boolean
  /**
   * When the database opens empty, keep a Bloom filter of the keys written since (about 10 bits
   * a key), so reads of keys never written skip the native call. A restore of more than 65,536
   * changelog records drops the filter instead of filling it. Default true.
   */
  readonly keyFilter?: boolean
}

interface PendingWrite {
  readonly key: Buffer
  readonly value: Buffer | null
}

/**
 * Per-call options of the binding's point reads and batch writes: none. Passing undefined rather
 * than an empty object spares the binding a property lookup per option it knows.
 */
const NO_OPTIONS = undefined

/** Restored records past which the key filter is dropped instead of filled (its first generation's size). */
const RESTORE_FILTER_LIMIT = 65_536

/**
 * The persistent bytes store (Kafka's `RocksDBStore`) on `@nxtedition/rocksdb`.
 *
 * Lifecycle: `await open(context)` (the binding opens asynchronously), then `init(context)`;
 * from there everything is synchronous. Point reads use the binding's synchronous MultiGet;
 * writes collect in a per-store pending map that reads consult first (read-your-writes) and that
 * `flush()` writes as one RocksDB write batch; written and read rows then stay in a bounded row
 * cache, since this store is the only writer of its database. Range reads flush the pending map first and then
 * read a RocksDB iterator, which sees the implicit snapshot taken when it was created.
 * `close()` writes pending writes, closes open iterators and starts the asynchronous close;
 * `whenClosed()` settles when the file lock is released.
 */
export class RocksDBKeyValueStore implements KeyValueBytesStore {
  readonly name: string
  readonly persistent = true
  readonly #options: RocksDBStoreOptions
  readonly #maxPending: number
  readonly #writeOptions: object | undefined
  #db: DatabaseHandle | null = null
  #batch: BatchHandle | null = null
  #location: string | null = null
  #initialized = false
  readonly #pending = new Map<string, PendingWrite>()
  readonly #rows: RowCache
  /** Every key ever written, when the database opened empty; undefined otherwise (see `keyFilter`). */
  #filter: KeyFilter | undefined = undefined
  /** Changelog records restored while the key filter was kept (see `#filterForRestore`). */
  #restoredKeys = 0
  readonly #iterators = new Set<RocksDBIterator>()
  #closed: Promise<Error | null> = Promise.resolve(null)
  readonly #keys: Buffer[] = []

  constructor(name: string, options: RocksDBStoreOptions = {}) {
    this.name = name
    this.#options = options
    this.#maxPending = options.maxPendingWrites ?? 100_000
    this.#rows = new RowCache(options.rowCacheSize ?? 50_000)
    this.#writeOptions = options.syncWrites === true ? { sync: true } : NO_OPTIONS
  }

  /** Distinct keys written since the last flush (for metrics and tests). */
  get pendingWriteCount(): number {
    return this.#pending.size
  }

  /** The database directory, once opened. */
  get location(): string | null {
    return this.#location
  }

  async open(context: StateStoreContext): Promise<void> {
    if (this.#db !== null) return
    const location = rocksDBStoreDirectory(context.taskStateDir, this.name)
    try {
      const { maxPendingWrites: _m, syncWrites: _s, rowCacheSize: _r, keyFilter: _f, ...dbOptions } = this.#options
      const db = await openDatabase(location, dbOptions)
      this.#db = db
      this.#batch = rocksdbBinding().batch_init()
      this.#location = location
      this.#filter = this.#options.keyFilter !== false && isEmpty(db) ? new KeyFilter() : undefined
      this.#restoredKeys = 0
    } catch (err) {
      throw new InvalidStateStoreError(`Cannot open RocksDB store ${this.name} at ${location}: ${(err as Error).message}`, StateErrorCode.STORE_OPEN_FAILED, { cause: err })
    }
  }

  init(context: StateStoreContext): void {
    if (this.#db === null) {
      throw new InvalidStateStoreError(`RocksDB store ${this.name} must be opened before init: await store.open(context) first`)
    }
    this.#initialized = true
    context.register(this, (batch) => this.#restore(batch))
  }

  isOpen(): boolean {
    return this.#initialized && this.#db !== null
  }

  get(key: Buffer): Buffer | undefined {
    const db = this.#readable()
    if (this.#pending.size === 0 && !this.#rows.enabled) {
      if (this.#filter !== undefined && !this.#filter.mightContain(key)) return undefined
      return this.#read(db, key)
    }
    const k = keyString(key)
    const write = this.#pending.get(k)
    if (write !== undefined) return write.value ?? undefined
    const row = this.#rows.get(k)
    if (row !== undefined) return row ?? undefined
    // Never written: absent, without the native read (and without a row to remember it by).
    if (this.#filter !== undefined && !this.#filter.mightContain(key)) return undefined
    const value = this.#read(db, key)
    this.#rows.set(k, value ?? null)
    return value
  }

  put(key: Buffer, value: Buffer | null): void {
    this.#readable()
    this.#pending.set(keyString(key), { key, value })
    if (this.#pending.size > this.#maxPending) this.flush()
  }

  putIfAbsent(key: Buffer, value: Buffer): Buffer | undefined {
    const existing = this.get(key)
    if (existing === undefined) this.put(key, value)
    return existing
  }

  putAll(entries: ReadonlyArray<KeyValue<Buffer, Buffer | null>>): void {
    for (const { key, value } of entries) this.put(key, value)
  }

  delete(key: Buffer): Buffer | undefined {
    const old = this.get(key)
    if (old !== undefined) this.put(key, null)
    return old
  }

  range(from: Buffer | undefined, to: Buffer | undefined): KeyValueIterator<Buffer, Buffer> {
    return this.#iterate(from, to, false)
  }

  reverseRange(from: Buffer | undefined, to: Buffer | undefined): KeyValueIterator<Buffer, Buffer> {
    return this.#iterate(from, to, true)
  }

  all(): KeyValueIterator<Buffer, Buffer> {
    return this.#iterate(undefined, undefined, false)
  }

  reverseAll(): KeyValueIterator<Buffer, Buffer> {
    return this.#iterate(undefined, undefined, true)
  }

  prefixScan<P>(prefix: P, prefixSerializer: { serialize(topic: string, value: P): Buffer }): KeyValueIterator<Buffer, Buffer> {
    const bytes = prefixSerializer.serialize(this.name, prefix)
    const upper = prefixUpperBound(bytes)
    const options: IteratorOptions = upper === undefined
      ? { gte: bytes, keyEncoding: 'buffer', valueEncoding: 'buffer' }
      : { gte: bytes, lt: upper, keyEncoding: 'buffer', valueEncoding: 'buffer' }
    return this.#openIterator(options)
  }

  /** RocksDB's `rocksdb.estimate-num-keys` after writing pending writes (an estimate, as in Kafka). */
  approximateNumEntries(): number {
    const db = this.#readable()
    this.flush()
    const estimate = Number.parseInt(rocksdbBinding().db_get_property(db, 'rocksdb.estimate-num-keys'), 10)
    return Number.isFinite(estimate) ? estimate : 0
  }

  /**
   * Deletes every key in `[from, to)` with one RocksDB range deletion (segmented window stores
   * drop an expired segment this way). Pending writes are written first so none outlives it;
   * the row cache is cleared, as it may hold rows of the range.
   */
  deleteRange(from: Buffer, to: Buffer): void {
    const db = this.#readable()
    if (Buffer.compare(from, to) >= 0) return
    this.flush()
    rocksdbBinding().db_clear(db, { gte: from, lt: to })
    this.#rows.clear()
  }

  flush(): void {
    if (this.#pending.size === 0) return
    const db = this.#readable()
    const binding = rocksdbBinding()
    const batch = this.#batch!
    const filter = this.#filter
    try {
      for (const write of this.#pending.values()) {
        if (write.value === null) binding.batch_del(batch, write.key, NO_OPTIONS)
        else binding.batch_put(batch, write.key, write.value, NO_OPTIONS)
        filter?.add(write.key)
      }
      binding.batch_write(db, batch, this.#writeOptions)
      if (this.#rows.enabled) for (const [k, write] of this.#pending) this.#rows.set(k, write.value)
      // Cleared only once written, so a failed write can be retried by the next flush.
      this.#pending.clear()
    } finally {
      binding.batch_clear(batch)
    }
  }

  close(): void {
    const db = this.#db
    if (db === null) return
    const location = this.#location!
    let failure: unknown = null
    try {
      if (this.#initialized) this.flush()
    } catch (err) {
      failure = err
    }
    for (const iterator of this.#iterators) iterator.close()
    this.#iterators.clear()
    this.#pending.clear()
    this.#rows.clear()
    this.#db = null
    this.#batch = null
    this.#filter = undefined
    this.#initialized = false
    this.#closed = closeDatabase(location, db)
    if (failure !== null) throw failure
  }

  /** Settles when the last `close()` has released the database (rejects if closing failed). */
  async whenClosed(): Promise<void> {
    const err = await this.#closed
    if (err !== null) throw err
  }

  #read(db: DatabaseHandle, key: Buffer): Buffer | undefined {
    // One reused argument array: the binding reads it synchronously.
    const keys = this.#keys
    keys[0] = key
    const value = rocksdbBinding().db_get_many_sync(db, keys, NO_OPTIONS)[0]
    keys.length = 0
    return value ?? undefined
  }

  #iterate(from: Buffer | undefined, to: Buffer | undefined, reverse: boolean): KeyValueIterator<Buffer, Buffer> {
    this.#readable()
    if (isInvertedRange(from, to)) return emptyIterator()
    const options: { -readonly [P in keyof IteratorOptions]: IteratorOptions[P] } = { keyEncoding: 'buffer', valueEncoding: 'buffer' }
    if (from !== undefined) options.gte = from
    if (to !== undefined) options.lte = to
    if (reverse) options.reverse = true
    return this.#openIterator(options)
  }

  #openIterator(options: IteratorOptions): KeyValueIterator<Buffer, Buffer> {
    const db = this.#readable()
    this.flush()
    const iterator = new RocksDBIterator(rocksdbBinding().iterator_init(db, options), this.#iterators)
    this.#iterators.add(iterator)
    return iterator
  }

  #restore(batch: ReadonlyArray<ChangelogRecord>): void {
    const db = this.#readable()
    const binding = rocksdbBinding()
    const writeBatch = this.#batch!
    const filter = this.#filterForRestore(batch.length)
    // Only deletes happen below, so a store with nothing pending or cached (a restore from
    // scratch) has nothing to forget for any record of the batch.
    const forget = this.#pending.size !== 0 || this.#rows.size !== 0
    try {
      for (let i = 0; i < batch.length; i++) {
        const { key, value } = batch[i]!
        if (forget) {
          const k = keyString(key)
          this.#pending.delete(k)
          this.#rows.delete(k)
        }
        if (value === null) binding.batch_del(writeBatch, key, NO_OPTIONS)
        else binding.batch_put(writeBatch, key, value, NO_OPTIONS)
        filter?.add(key)
      }
      binding.batch_write(db, writeBatch, this.#writeOptions)
    } finally {
      binding.batch_clear(writeBatch)
    }
  }

  /**
   * The key filter, while restores have brought in few keys; past `RESTORE_FILTER_LIMIT` it is
   * dropped rather than filled (a quarter of a large restore's own time went to hashing every
   * key into it). The store then reads like one reopened with data: every miss asks RocksDB.
   */
  #filterForRestore(records: number): KeyFilter | undefined {
    if (this.#filter === undefined) return undefined
    this.#restoredKeys += records
    if (this.#restoredKeys > RESTORE_FILTER_LIMIT) this.#filter = undefined
    return this.#filter
  }

  #readable(): DatabaseHandle {
    const db = this.#db
    if (db === null || !this.#initialized) throw new InvalidStateStoreError(`Store ${this.name} is not open`)
    return db
  }
}
