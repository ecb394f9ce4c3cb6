import type { Serde } from '../serdes/serde.ts'
import { InMemoryKeyValueStore } from './in-memory-key-value-store.ts'
import { KeyValueStoreBuilder, timestampedKeyValueStoreBuilder, type KeyValueBytesStoreSupplier } from './key-value-store-builder.ts'
import { RocksDBKeyValueStore, type RocksDBStoreOptions } from './rocksdb-key-value-store.ts'
import type { SessionBytesStoreSupplier, SessionStore } from './session-store.ts'
import type { KeyValueStore, StoreBuilder, TimestampedKeyValueStore } from './store.ts'
import { SessionStoreBuilder, timestampedWindowStoreBuilder, WindowStoreBuilder } from './window-store-builder.ts'
import { inMemorySessionStore, inMemoryWindowStore, persistentSessionStore, persistentWindowStore } from './window-store-suppliers.ts'
import type { TimestampedWindowStore, WindowBytesStoreSupplier, WindowStore } from './window-store.ts'

function inMemoryKeyValueStore(name: string): KeyValueBytesStoreSupplier {
  return { name, metricsScope: 'in-memory', get: () => new InMemoryKeyValueStore(name) }
}

function persistentKeyValueStore(name: string, options: RocksDBStoreOptions = {}): KeyValueBytesStoreSupplier {
  return { name, metricsScope: 'rocksdb', get: () => new RocksDBKeyValueStore(name, options) }
}

/**
 * Store factories, named after Kafka Streams' `Stores`. A supplier makes the bytes store; a
 * builder wraps it in change logging (on by default), optional caching and the typed metered
 * layer. Types flow from the serdes:
 * `Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('s'), Serdes.string(), Serdes.long())`
 * is a `StoreBuilder<KeyValueStore<string, number>>`.
 */
export const Stores = Object.freeze({
  /** A sorted in-memory store; not persistent, so it is restored from its changelog on start. */
  inMemoryKeyValueStore,
  /** A RocksDB store under `<stateDir>/<applicationId>/<taskId>/rocksdb/<name>`. */
  persistentKeyValueStore,
  /**
   * Kafka has a separate supplier for timestamped RocksDB stores; here the bytes store is the
   * same and the timestamped layout comes from `timestampedKeyValueStoreBuilder`.
   */
  persistentTimestampedKeyValueStore: persistentKeyValueStore,

  keyValueStoreBuilder<K, V>(supplier: KeyValueBytesStoreSupplier, keySerde: Serde<K>, valueSerde: Serde<V>): StoreBuilder<KeyValueStore<K, V>> {
    return new KeyValueStoreBuilder(supplier, keySerde, valueSerde)
  },

  timestampedKeyValueStoreBuilder<K, V>(
    supplier: KeyValueBytesStoreSupplier,
    keySerde: Serde<K>,
    valueSerde: Serde<V>,
  ): StoreBuilder<TimestampedKeyValueStore<K, V>> {
    return timestampedKeyValueStoreBuilder(supplier, keySerde, valueSerde)
  },

  /**
   * Window stores: `(name, retentionPeriodMs, windowSizeMs, retainDuplicates = false)`, as Kafka's.
   * Windows older than the retention are dropped, a time segment (`max(retention / 2, 1 minute)`)
   * at a time. `retainDuplicates` keeps every put (stream-stream join buffers).
   */
  inMemoryWindowStore,
  persistentWindowStore,
  /** The same bytes store; the timestamped layout comes from `timestampedWindowStoreBuilder`. */
  persistentTimestampedWindowStore: persistentWindowStore,

  windowStoreBuilder<K, V>(supplier: WindowBytesStoreSupplier, keySerde: Serde<K>, valueSerde: Serde<V>): StoreBuilder<WindowStore<K, V>> {
    return new WindowStoreBuilder(supplier, keySerde, valueSerde)
  },

  timestampedWindowStoreBuilder<K, V>(
    supplier: WindowBytesStoreSupplier,
    keySerde: Serde<K>,
    valueSerde: Serde<V>,
  ): StoreBuilder<TimestampedWindowStore<K, V>> {
    return timestampedWindowStoreBuilder(supplier, keySerde, valueSerde)
  },

  /** Session stores: `(name, retentionPeriodMs)`; sessions are dropped once they ended longer ago than that. */
  inMemorySessionStore,
  persistentSessionStore,

  sessionStoreBuilder<K, AGG>(supplier: SessionBytesStoreSupplier, keySerde: Serde<K>, valueSerde: Serde<AGG>): StoreBuilder<SessionStore<K, AGG>> {
    return new SessionStoreBuilder(supplier, keySerde, valueSerde)
  },
})
