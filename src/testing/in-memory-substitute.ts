import { KeyValueStoreBuilder } from '../state/key-value-store-builder.ts'
import type { StoreBuilder } from '../state/store.ts'
import { Stores } from '../state/stores.ts'
import { SessionStoreBuilder, WindowStoreBuilder } from '../state/window-store-builder.ts'
import { inMemorySessionStore, inMemoryWindowStore } from '../state/window-store-suppliers.ts'

/**
 * The synchronous driver cannot await RocksDB's asynchronous open, so it keeps persistent
 * key-value stores in memory: same sorted-bytes semantics, same serdes, logging and caching.
 * `await TopologyTestDriver.create()` keeps the real stores.
 */
export function inMemorySubstitute(builder: StoreBuilder): StoreBuilder {
  if (builder instanceof WindowStoreBuilder || builder instanceof SessionStoreBuilder) return windowedSubstitute(builder)
  if (!(builder instanceof KeyValueStoreBuilder) || builder.supplier.metricsScope !== 'rocksdb') return builder
  const copy = new KeyValueStoreBuilder(Stores.inMemoryKeyValueStore(builder.name), builder.keySerde, builder.valueSerde, builder.timestamped)
  if (builder.loggingEnabled) copy.withLoggingEnabled(builder.logConfig)
  else copy.withLoggingDisabled()
  if (builder.cachingEnabled) copy.withCachingEnabled()
  return copy
}

/** Window and session stores likewise: the same segmented layout over the in-memory bytes store. */
function windowedSubstitute(builder: WindowStoreBuilder<any, any> | SessionStoreBuilder<any, any>): StoreBuilder {
  if (builder.supplier.metricsScope !== 'rocksdb') return builder
  let copy: WindowStoreBuilder<any, any> | SessionStoreBuilder<any, any>
  if (builder instanceof WindowStoreBuilder) {
    const s = builder.supplier
    copy = new WindowStoreBuilder(inMemoryWindowStore(s.name, s.retentionPeriod, s.windowSize, s.retainDuplicates), builder.keySerde, builder.valueSerde, builder.timestamped)
  } else {
    copy = new SessionStoreBuilder(inMemorySessionStore(builder.supplier.name, builder.supplier.retentionPeriod), builder.keySerde, builder.valueSerde)
  }
  if (!builder.loggingEnabled) copy.withLoggingDisabled()
  return copy
}

/** True for builders of `TimestampedKeyValueStore`s, whose values are `ValueAndTimestamp`. */
export function isTimestampedBuilder(builder: StoreBuilder): boolean {
  return builder instanceof KeyValueStoreBuilder && builder.timestamped
}

/** True for builders of `TimestampedWindowStore`s (DSL windowed aggregations). */
export function isTimestampedWindowBuilder(builder: StoreBuilder): boolean {
  return builder instanceof WindowStoreBuilder && builder.timestamped
}
