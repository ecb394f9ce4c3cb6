import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { rocksdbBinding, type DatabaseHandle } from './rocksdb-binding.ts'

/**
 * Opening and closing a RocksDB database directory, for the stores built on it. Closing is
 * asynchronous in the binding and RocksDB holds a file lock until it finishes, so a store
 * reopened at the same location (a task revoked and reassigned) waits for the close.
 */
const closing = new Map<string, Promise<Error | null>>()

/** Where a task's RocksDB store lives: `<taskStateDir>/rocksdb/<storeName>` (as Kafka Streams). */
export function rocksDBStoreDirectory(taskStateDir: string, storeName: string): string {
  return join(taskStateDir, 'rocksdb', storeName)
}

/** Opens (creating if missing) the database at `location`, once any close of it has finished. */
export async function openDatabase(location: string, options: object): Promise<DatabaseHandle> {
  await closing.get(location)
  const binding = rocksdbBinding()
  await mkdir(location, { recursive: true })
  const db = binding.db_init(location)
  await new Promise<void>((resolve, reject) => {
    const alreadyOpen = binding.db_open(db, { ...options, createIfMissing: true }, (err) => {
      if (err) reject(err)
      else resolve()
    })
    if (alreadyOpen) resolve()
  })
  return db
}

/** Starts closing `db`; settles with the binding's error, or null, once the file lock is released. */
export function closeDatabase(location: string, db: DatabaseHandle): Promise<Error | null> {
  const closed = new Promise<Error | null>((resolve) => {
    rocksdbBinding().db_close(db, (err) => resolve(err ?? null))
  })
  closing.set(location, closed)
  void closed.then(() => {
    if (closing.get(location) === closed) closing.delete(location)
  })
  return closed
}

/** True when the database holds no key. */
export function isEmpty(db: DatabaseHandle): boolean {
  const binding = rocksdbBinding()
  const iterator = binding.iterator_init(db, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
  try {
    return binding.iterator_nextv_sync(iterator, 1).rows.length === 0
  } finally {
    binding.iterator_close(iterator)
  }
}
