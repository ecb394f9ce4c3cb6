import { InMemoryKeyValueStore } from './in-memory-key-value-store.ts'
import { RocksDBKeyValueStore, type RocksDBStoreOptions } from './rocksdb-key-value-store.ts'
import { defaultSegmentInterval } from './segmented-bytes-store.ts'
import { SegmentedSessionStore } from './segmented-session-store.ts'
import { SegmentedWindowStore } from './segmented-window-store.ts'
import type { SessionBytesStoreSupplier } from './session-store.ts'
import type { KeyValueBytesStore } from './store.ts'
import type { WindowBytesStoreSupplier } from './window-store.ts'

function requireDuration(what: string, ms: number): void {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`${what} must be a non-negative integer number of milliseconds, got ${ms}`)
}

function windowSupplier(
  name: string,
  metricsScope: string,
  retentionPeriod: number,
  windowSize: number,
  retainDuplicates: boolean,
  inner: () => KeyValueBytesStore,
): WindowBytesStoreSupplier {
  requireDuration('Retention period', retentionPeriod)
  requireDuration('Window size', windowSize)
  if (retentionPeriod < windowSize) {
    throw new RangeError(`The retention period of window store ${name} (${retentionPeriod} ms) must be no smaller than its window size (${windowSize} ms)`)
  }
  const segmentInterval = defaultSegmentInterval(retentionPeriod)
  return {
    name,
    metricsScope,
    retentionPeriod,
    windowSize,
    segmentInterval,
    retainDuplicates,
    get: () => new SegmentedWindowStore(inner(), { retentionPeriod, windowSize, segmentInterval, retainDuplicates }),
  }
}

/** An in-memory window store (Kafka's `Stores.inMemoryWindowStore`); restored from its changelog on start. */
export function inMemoryWindowStore(name: string, retentionPeriod: number, windowSize: number, retainDuplicates = false): WindowBytesStoreSupplier {
  return windowSupplier(name, 'in-memory', retentionPeriod, windowSize, retainDuplicates, () => new InMemoryKeyValueStore(name))
}

/**
 * A RocksDB window store (Kafka's `Stores.persistentWindowStore`) under
 * `<taskStateDir>/rocksdb/<name>`, segmented every `max(retention / 2, 1 minute)`.
 */
export function persistentWindowStore(
  name: string,
  retentionPeriod: number,
  windowSize: number,
  retainDuplicates = false,
  options: RocksDBStoreOptions = {},
): WindowBytesStoreSupplier {
  return windowSupplier(name, 'rocksdb', retentionPeriod, windowSize, retainDuplicates, () => new RocksDBKeyValueStore(name, options))
}

function sessionSupplier(name: string, metricsScope: string, retentionPeriod: number, inner: () => KeyValueBytesStore): SessionBytesStoreSupplier {
  requireDuration('Retention period', retentionPeriod)
  const segmentInterval = defaultSegmentInterval(retentionPeriod)
  return { name, metricsScope, retentionPeriod, segmentInterval, get: () => new SegmentedSessionStore(inner(), { retentionPeriod, segmentInterval }) }
}

/** An in-memory session store (Kafka's `Stores.inMemorySessionStore`). */
export function inMemorySessionStore(name: string, retentionPeriod: number): SessionBytesStoreSupplier {
  return sessionSupplier(name, 'in-memory', retentionPeriod, () => new InMemoryKeyValueStore(name))
}

/** A RocksDB session store (Kafka's `Stores.persistentSessionStore`), segmented by session end. */
export function persistentSessionStore(name: string, retentionPeriod: number, options: RocksDBStoreOptions = {}): SessionBytesStoreSupplier {
  return sessionSupplier(name, 'rocksdb', retentionPeriod, () => new RocksDBKeyValueStore(name, options))
}
