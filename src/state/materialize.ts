import type { Serde } from '../serdes/serde.ts'
import { KeyValueStoreBuilder, timestampedKeyValueStoreBuilder } from './key-value-store-builder.ts'
import type { ValueAndTimestamp } from './store.ts'
import { Stores } from './stores.ts'

/** How the DSL asks for a key-value store (from `Materialized`-style options). */
export interface MaterializeOptions<K, V> {
  readonly storeName: string
  /** Default `rocksdb`, as Kafka Streams' default store type. */
  readonly storeType?: 'memory' | 'rocksdb'
  readonly keySerde: Serde<K>
  readonly valueSerde: Serde<V>
  /** Default true; an object enables logging with extra changelog topic configs. */
  readonly logging?: boolean | { readonly config: { readonly [key: string]: string } }
  /** Default false. */
  readonly caching?: boolean
}

/**
 * The store builder for a DSL operator's state. Returns the concrete builder so the DSL can
 * reach the built store's `setFlushListener` (see `isCachedStateStore`).
 */
export function materialize<K, V>(options: MaterializeOptions<K, V>, kind: { readonly timestamped: true }): KeyValueStoreBuilder<K, ValueAndTimestamp<V>>
export function materialize<K, V>(options: MaterializeOptions<K, V>, kind?: { readonly timestamped: false }): KeyValueStoreBuilder<K, V>
export function materialize<K, V>(
  options: MaterializeOptions<K, V>,
  kind: { readonly timestamped: boolean } = { timestamped: false },
): KeyValueStoreBuilder<K, V> | KeyValueStoreBuilder<K, ValueAndTimestamp<V>> {
  const supplier = options.storeType === 'memory'
    ? Stores.inMemoryKeyValueStore(options.storeName)
    : Stores.persistentKeyValueStore(options.storeName)
  const builder = kind.timestamped
    ? timestampedKeyValueStoreBuilder(supplier, options.keySerde, options.valueSerde)
    : new KeyValueStoreBuilder(supplier, options.keySerde, options.valueSerde)
  const logging = options.logging ?? true
  if (logging === false) builder.withLoggingDisabled()
  else builder.withLoggingEnabled(logging === true ? {} : logging.config)
  if (options.caching === true) builder.withCachingEnabled()
  return builder
}
