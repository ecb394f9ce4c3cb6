import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Serdes } from '../../src/serdes/serdes.ts'
import type { Serde } from '../../src/serdes/serde.ts'
import { CachingKeyValueStore } from '../../src/state/caching-key-value-store.ts'
import { ChangeLoggingKeyValueStore } from '../../src/state/change-logging-key-value-store.ts'
import { ChangeLoggingTimestampedKeyValueStore } from '../../src/state/change-logging-timestamped-key-value-store.ts'
import { InMemoryKeyValueStore } from '../../src/state/in-memory-key-value-store.ts'
import { materialize } from '../../src/state/materialize.ts'
import { MeteredKeyValueStore } from '../../src/state/metered-key-value-store.ts'
import { RocksDBKeyValueStore } from '../../src/state/rocksdb-key-value-store.ts'
import type { KeyValueStore, StoreBuilder, TimestampedKeyValueStore, ValueAndTimestamp } from '../../src/state/store.ts'
import { Stores } from '../../src/state/stores.ts'
import { FakeStateStoreContext, tempDir } from './fake-context.ts'

/** Compile-time equality: `Expect<Equal<A, B>>` fails the type check unless A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
type Expect<T extends true> = T

function layers(store: { wrapped?: unknown }): string[] {
  const names: string[] = []
  let current: unknown = store
  while (current !== undefined) {
    names.push((current as object).constructor.name)
    current = (current as { wrapped?: unknown }).wrapped
  }
  return names
}

function innermost<T>(store: unknown): T {
  let current = store as { wrapped?: unknown }
  while (current.wrapped !== undefined) current = current.wrapped as { wrapped?: unknown }
  return current as T
}

describe('Stores', () => {
  it('infers typed builders from the serdes, with no type arguments', () => {
    const builder = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('s'), Serdes.string(), Serdes.long())
    const timestamped = Stores.timestampedKeyValueStoreBuilder(Stores.persistentKeyValueStore('t'), Serdes.string(), Serdes.json<{ n: number }>())
    type _1 = Expect<Equal<typeof builder, StoreBuilder<KeyValueStore<string, number>>>>
    type _2 = Expect<Equal<typeof timestamped, StoreBuilder<TimestampedKeyValueStore<string, { n: number }>>>>
    type _3 = Expect<Equal<ReturnType<typeof builder.build>, KeyValueStore<string, number>>>
    type _4 = Expect<Equal<ReturnType<ReturnType<typeof timestamped.build>['get']>, ValueAndTimestamp<{ n: number }> | undefined>>
    assert.equal(builder.name, 's')
    assert.equal(timestamped.name, 't')
  })

  it('suppliers make fresh bytes stores of the right kind', () => {
    const memory = Stores.inMemoryKeyValueStore('m')
    const rocks = Stores.persistentKeyValueStore('r')
    assert.ok(memory.get() instanceof InMemoryKeyValueStore)
    assert.notEqual(memory.get(), memory.get())
    assert.ok(rocks.get() instanceof RocksDBKeyValueStore)
    assert.equal(memory.metricsScope, 'in-memory')
    assert.equal(rocks.metricsScope, 'rocksdb')
  })

  it('builders log by default and compose metered(caching?(changelogging?(inner)))', () => {
    const builder = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('s'), Serdes.string(), Serdes.long())
    assert.equal(builder.loggingEnabled, true)
    assert.equal(builder.cachingEnabled, false)
    assert.deepEqual(layers(builder.build() as MeteredKeyValueStore<string, number>), [
      MeteredKeyValueStore.name, ChangeLoggingKeyValueStore.name, InMemoryKeyValueStore.name,
    ])
    builder.withCachingEnabled().withLoggingEnabled({ 'retention.ms': '1000' })
    assert.deepEqual(builder.logConfig, { 'retention.ms': '1000' })
    assert.deepEqual(layers(builder.build() as MeteredKeyValueStore<string, number>), [
      MeteredKeyValueStore.name, CachingKeyValueStore.name, ChangeLoggingKeyValueStore.name, InMemoryKeyValueStore.name,
    ])
    builder.withLoggingDisabled().withCachingDisabled()
    assert.equal(builder.loggingEnabled, false)
    assert.deepEqual(layers(builder.build() as MeteredKeyValueStore<string, number>), [MeteredKeyValueStore.name, InMemoryKeyValueStore.name])
    assert.notEqual(builder.build(), builder.build(), 'one store per task')
  })

  it('timestamped builders use timestamped change logging and the ValueAndTimestamp layout', () => {
    const builder = Stores.timestampedKeyValueStoreBuilder(Stores.inMemoryKeyValueStore('ts'), Serdes.string(), Serdes.string())
    const store = builder.build()
    assert.deepEqual(layers(store as MeteredKeyValueStore<string, ValueAndTimestamp<string>>), [
      MeteredKeyValueStore.name, ChangeLoggingTimestampedKeyValueStore.name, InMemoryKeyValueStore.name,
    ])
    const context = new FakeStateStoreContext()
    store.init(context)
    store.put('k', { value: 'v', timestamp: 42 })
    assert.deepEqual(store.get('k'), { value: 'v', timestamp: 42 })
    assert.deepEqual(context.changes.map(({ value, timestamp }) => [value?.toString(), timestamp]), [['v', 42]])
    assert.equal(context.registered.get('ts')?.store, store, 'the metered store is what the task registers')
    context.restore('ts', [{ key: Buffer.from('r'), value: Buffer.from('restored'), timestamp: 7 }])
    assert.deepEqual(store.get('r'), { value: 'restored', timestamp: 7 })
  })

  it('a persistent typed store opens, keeps data across close and reopen', async () => {
    using dir = tempDir()
    const builder = Stores.timestampedKeyValueStoreBuilder(Stores.persistentKeyValueStore('p'), Serdes.string(), Serdes.long())
    const context = new FakeStateStoreContext(dir.path)
    const first = builder.build()
    await first.open?.(context)
    first.init(context)
    first.put('a', { value: 1, timestamp: 100 })
    first.flush()
    first.close()
    const second = builder.build()
    await second.open?.(context)
    second.init(context)
    assert.deepEqual(second.get('a'), { value: 1, timestamp: 100 })
    assert.equal(second.persistent, true)
    second.close()
    await innermost<RocksDBKeyValueStore>(second).whenClosed()
  })
})

describe('materialize', () => {
  const keySerde: Serde<string> = Serdes.string()
  it('defaults to RocksDB with logging and without caching', () => {
    const builder = materialize({ storeName: 'agg', keySerde, valueSerde: Serdes.long() })
    type _ = Expect<Equal<ReturnType<typeof builder.build>, MeteredKeyValueStore<string, number>>>
    assert.equal(builder.name, 'agg')
    assert.equal(builder.loggingEnabled, true)
    assert.equal(builder.cachingEnabled, false)
    assert.ok(builder.supplier.get() instanceof RocksDBKeyValueStore)
  })

  it('honours store type, logging config, caching and timestamped', () => {
    const builder = materialize(
      { storeName: 'agg', storeType: 'memory', keySerde, valueSerde: Serdes.long(), logging: { config: { 'cleanup.policy': 'compact' } }, caching: true },
      { timestamped: true },
    )
    type _ = Expect<Equal<ReturnType<typeof builder.build>, MeteredKeyValueStore<string, ValueAndTimestamp<number>>>>
    assert.ok(builder.supplier.get() instanceof InMemoryKeyValueStore)
    assert.deepEqual(builder.logConfig, { 'cleanup.policy': 'compact' })
    assert.equal(builder.cachingEnabled, true)
    assert.equal(builder.timestamped, true)
    const store = builder.build()
    store.init(new FakeStateStoreContext())
    store.put('k', { value: 5, timestamp: 9 })
    assert.deepEqual(store.get('k'), { value: 5, timestamp: 9 })
    const unlogged = materialize({ storeName: 'x', storeType: 'memory', keySerde, valueSerde: Serdes.long(), logging: false })
    assert.equal(unlogged.loggingEnabled, false)
  })
})
