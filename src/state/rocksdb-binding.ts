import { createRequire } from 'node:module'

/**
 * A typed view of `@nxtedition/rocksdb`'s native binding. The store talks to the binding directly
 * rather than through the `RocksLevel` (abstract-level) class because it needs the synchronous
 * paths (`db_get_many_sync`, `iterator_nextv_sync`, `batch_write`) without abstract-level's
 * deferred-open and resource bookkeeping; only open and close are asynchronous in the binding.
 * Every handle below is an opaque native external. Calling into a closed database crashes the
 * process, so the store guards every call with its own open flag.
 */

declare const handle: unique symbol
export type DatabaseHandle = { readonly [handle]: 'rocksdb-database' }
export type IteratorHandle = { readonly [handle]: 'rocksdb-iterator' }
export type BatchHandle = { readonly [handle]: 'rocksdb-batch' }

export interface IteratorOptions {
  readonly gt?: Buffer
  readonly gte?: Buffer
  readonly lt?: Buffer
  readonly lte?: Buffer
  readonly reverse?: boolean
  readonly keyEncoding: 'buffer'
  readonly valueEncoding: 'buffer'
  readonly fillCache?: boolean
}

/** Database options understood by the binding's `db_open` (a subset). */
export interface RocksDBOptions {
  /** Block cache size in bytes (binding default 8 MiB). */
  readonly cacheSize?: number
  /** ZSTD compression of SST files (binding default true). */
  readonly compression?: boolean
  /** Background threads for flushes and compactions (binding default: half the cores). */
  readonly parallelism?: number
  readonly infoLogLevel?: 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'header'
}

export interface RocksDBBinding {
  db_init(location: string): DatabaseHandle
  db_open(db: DatabaseHandle, options: object, callback: (err: Error | null) => void): unknown
  db_close(db: DatabaseHandle, callback: (err: Error | null) => void): void
  /**
   * Options may be undefined: the binding then skips its per-option property lookups (a
   * `napi_has_named_property` per option, each internalizing the name), a fifth of a point read.
   */
  db_get_many_sync(db: DatabaseHandle, keys: readonly Buffer[], options: object | undefined): Array<Buffer | undefined | null>
  /** Deletes a key range synchronously (a RocksDB DeleteRange when no `limit` is given). */
  db_clear(db: DatabaseHandle, options: { readonly gte?: Buffer; readonly lt?: Buffer }): void
  db_get_property(db: DatabaseHandle, property: string): string
  iterator_init(db: DatabaseHandle, options: IteratorOptions): IteratorHandle
  iterator_nextv_sync(iterator: IteratorHandle, count: number): { rows: Buffer[]; finished: boolean }
  iterator_close(iterator: IteratorHandle): void
  batch_init(): BatchHandle
  batch_put(batch: BatchHandle, key: Buffer, value: Buffer, options: object | undefined): void
  batch_del(batch: BatchHandle, key: Buffer, options: object | undefined): void
  batch_clear(batch: BatchHandle): void
  batch_write(db: DatabaseHandle, batch: BatchHandle, options: object | undefined): void
}

let loaded: RocksDBBinding | undefined

/** Loads the native module on first use, so importing the state package never requires it. */
export function rocksdbBinding(): RocksDBBinding {
  loaded ??= createRequire(import.meta.url)('@nxtedition/rocksdb/binding.js') as RocksDBBinding
  return loaded
}
