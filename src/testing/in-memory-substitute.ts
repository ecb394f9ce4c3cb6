import { KeyValueStoreBuilder } from '../state/key-value-store-builder.ts'
import type { StoreBuilder } from '../state/store.ts'
import { Stores } from '../state/stores.ts'

/**
 * The synchronous driver cannot await RocksDB's asynchronous open, so it keeps persistent
 * key-value stores in memory: same sorted-bytes semantics, same serdes, logging and caching.
 * `await TopologyTestDriver.create()` keeps the real stores.
 */
export function inMemorySubstitute(builder: StoreBuilder): StoreBuilder {
  if (!(builder instanceof KeyValueStoreBuilder) || builder.supplier.metricsScope !== 'rocksdb') return builder
  const copy = new KeyValueStoreBuilder(Stores.inMemoryKeyValueStore(builder.name), builder.keySerde, builder.valueSerde, builder.timestamped)
  if (builder.loggingEnabled) copy.withLoggingEnabled(builder.logConfig)
  else copy.withLoggingDisabled()
  if (builder.cachingEnabled) copy.withCachingEnabled()
  return copy
}

/** True for builders of `TimestampedKeyValueStore`s, whose values are `ValueAndTimestamp`. */
export function isTimestampedBuilder(builder: StoreBuilder): boolean {
  return builder instanceof KeyValueStoreBuilder && builder.timestamped
}
