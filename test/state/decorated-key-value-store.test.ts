import { CachingKeyValueStore } from '../../src/state/caching-key-value-store.ts'
import { ChangeLoggingKeyValueStore } from '../../src/state/change-logging-key-value-store.ts'
import { InMemoryKeyValueStore } from '../../src/state/in-memory-key-value-store.ts'
import { RocksDBKeyValueStore } from '../../src/state/rocksdb-key-value-store.ts'
import type { KeyValueBytesStore } from '../../src/state/store.ts'
import { FakeStateStoreContext, tempDir } from './fake-context.ts'
import { keyValueStoreSuite } from './key-value-store-suite.ts'

// The decorators must keep every KeyValueStore promise of the store they wrap.

keyValueStoreSuite('ChangeLogging(InMemory)', () => ({
  async create(name) {
    const store = new ChangeLoggingKeyValueStore(new InMemoryKeyValueStore(name))
    store.init(new FakeStateStoreContext())
    return store
  },
  async dispose() {},
}))

// A tiny cache so the suite runs through evictions as well as merged cache + store reads.
keyValueStoreSuite('Caching(ChangeLogging(InMemory)), 7 entries', () => ({
  async create(name) {
    const store = new CachingKeyValueStore(new ChangeLoggingKeyValueStore(new InMemoryKeyValueStore(name)), { maxEntries: 7 })
    store.init(new FakeStateStoreContext())
    return store
  },
  async dispose() {},
}))

keyValueStoreSuite('Caching(InMemory), large cache', () => ({
  async create(name) {
    const store = new CachingKeyValueStore(new InMemoryKeyValueStore(name))
    store.init(new FakeStateStoreContext())
    return store
  },
  async dispose() {},
}))

keyValueStoreSuite('Caching(ChangeLogging(RocksDB)), 7 entries', () => {
  const dir = tempDir()
  const stores: RocksDBKeyValueStore[] = []
  return {
    async create(name): Promise<KeyValueBytesStore> {
      const context = new FakeStateStoreContext(dir.path)
      const inner = new RocksDBKeyValueStore(name)
      const store = new CachingKeyValueStore(new ChangeLoggingKeyValueStore(inner), { maxEntries: 7 })
      await store.open(context)
      store.init(context)
      stores.push(inner)
      return store
    },
    async dispose() {
      for (const store of stores) {
        store.close()
        await store.whenClosed()
      }
      dir[Symbol.dispose]()
    },
  }
})
