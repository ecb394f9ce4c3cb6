import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { rocksdbBinding } from '../../src/state/rocksdb-binding.ts'
import { RocksDBKeyValueStore } from '../../src/state/rocksdb-key-value-store.ts'
import type { KeyValueBytesStore } from '../../src/state/store.ts'
import { b, FakeStateStoreContext, s, tempDir } from './fake-context.ts'
import { keyValueStoreSuite } from './key-value-store-suite.ts'

for (const [label, options] of [
  ['RocksDBKeyValueStore', {}],
  ['RocksDBKeyValueStore, no row cache', { rowCacheSize: 0 }],
  ['RocksDBKeyValueStore, 3-row cache, 5 pending writes', { rowCacheSize: 3, maxPendingWrites: 5 }],
  ['RocksDBKeyValueStore, no key filter', { keyFilter: false }],
  ['RocksDBKeyValueStore, key filter, no row cache, 5 pending writes', { rowCacheSize: 0, maxPendingWrites: 5 }],
] as const) {
  keyValueStoreSuite(label, () => {
    const dir = tempDir()
    const stores: RocksDBKeyValueStore[] = []
    return {
      async create(name): Promise<KeyValueBytesStore> {
        const context = new FakeStateStoreContext(dir.path)
        const store = new RocksDBKeyValueStore(name, options)
        await store.open(context)
        store.init(context)
        stores.push(store)
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
}

async function openStore(context: FakeStateStoreContext, name = 'kv', options = {}): Promise<RocksDBKeyValueStore> {
  const store = new RocksDBKeyValueStore(name, options)
  await store.open(context)
  store.init(context)
  return store
}

describe('RocksDBKeyValueStore', () => {
  it('opens under <taskStateDir>/rocksdb/<name> and is persistent', async () => {
    using dir = tempDir()
    const context = new FakeStateStoreContext(dir.path)
    const store = await openStore(context, 'counts')
    assert.equal(store.persistent, true)
    assert.equal(store.location, join(dir.path, 'rocksdb', 'counts'))
    assert.ok(existsSync(join(dir.path, 'rocksdb', 'counts', 'CURRENT')))
    assert.equal(context.registered.get('counts')?.store, store)
    store.close()
    await store.whenClosed()
  })

  it('init before open fails with a clear error', () => {
    const store = new RocksDBKeyValueStore('kv')
    assert.throws(() => store.init(new FakeStateStoreContext()), /must be opened before init/)
  })

  it('close and reopen keeps the data', async () => {
    using dir = tempDir()
    const context = new FakeStateStoreContext(dir.path)
    const first = await openStore(context)
    for (let i = 0; i < 1000; i++) first.put(b(`k${i}`), b(`v${i}`))
    first.delete(b('k7'))
    first.flush()
    first.close()
    // No await on whenClosed: open() waits for the previous close of the same directory.
    const second = await openStore(context)
    assert.equal(s(second.get(b('k999'))), 'v999')
    assert.equal(second.get(b('k7')), undefined)
    assert.equal([...second.all()].length, 999)
    second.close()
    await second.whenClosed()
  })

  it('pending writes are visible before flush, durable after flush + close + reopen', async () => {
    using dir = tempDir()
    const context = new FakeStateStoreContext(dir.path)
    const store = await openStore(context)
    store.put(b('a'), b('1'))
    store.put(b('b'), b('2'))
    store.flush()
    store.put(b('a'), b('changed'))
    store.delete(b('b'))
    store.put(b('c'), b('3'))
    assert.equal(s(store.get(b('a'))), 'changed', 'read-your-writes before flush')
    assert.equal(store.get(b('b')), undefined, 'pending delete hides the stored value')
    assert.equal(s(store.get(b('c'))), '3')
    assert.equal(s(store.putIfAbsent(b('c'), b('other'))), '3')
    assert.equal(store.putIfAbsent(b('b'), b('again')), undefined, 'pending delete counts as absent')
    store.flush()
    store.close()
    const reopened = await openStore(context)
    assert.deepEqual([...reopened.all()].map(({ key, value }) => [s(key), s(value)]), [['a', 'changed'], ['b', 'again'], ['c', '3']])
    reopened.close()
    await reopened.whenClosed()
  })

  it('close writes pending writes', async () => {
    using dir = tempDir()
    const context = new FakeStateStoreContext(dir.path)
    const store = await openStore(context)
    store.put(b('a'), b('1'))
    store.close()
    const reopened = await openStore(context)
    assert.equal(s(reopened.get(b('a'))), '1')
    reopened.close()
    await reopened.whenClosed()
  })

  it('spills pending writes past maxPendingWrites', async () => {
    using dir = tempDir()
    const context = new FakeStateStoreContext(dir.path)
    const store = await openStore(context, 'kv', { maxPendingWrites: 10 })
    for (let i = 0; i < 25; i++) {
      store.put(b(`k${String(i).padStart(2, '0')}`), b('v'))
      assert.ok(store.pendingWriteCount <= 10)
    }
    assert.equal(store.pendingWriteCount, 3, '11 spilled twice at the 11th and 22nd write')
    assert.equal(store.get(b('k24'))?.toString(), 'v')
    store.close()
    await store.whenClosed()
  })

  it('restore writes straight to the database and overrides pending writes', async () => {
    using dir = tempDir()
    const context = new FakeStateStoreContext(dir.path)
    const store = await openStore(context)
    store.put(b('gone'), b('x'))
    store.flush()
    store.put(b('a'), b('pending'))
    context.restore('kv', [
      { key: b('a'), value: b('1') },
      { key: b('b'), value: b('2') },
      { key: b('gone'), value: null },
    ])
    assert.equal(s(store.get(b('a'))), '1')
    assert.equal(s(store.get(b('b'))), '2')
    assert.equal(store.get(b('gone')), undefined)
    store.close()
    const reopened = await openStore(context)
    assert.deepEqual([...reopened.all()].map(({ key }) => s(key)), ['a', 'b'])
    reopened.close()
    await reopened.whenClosed()
  })

  it('reports a second open of a locked directory as a store error', async () => {
    using dir = tempDir()
    const context = new FakeStateStoreContext(dir.path)
    const store = await openStore(context)
    const intruder = new RocksDBKeyValueStore('kv')
    await assert.rejects(intruder.open(context), { name: 'InvalidStateStoreError', code: 'STORE_OPEN_FAILED' })
    store.close()
    await store.whenClosed()
  })

  it('long scans cross chunk boundaries', async () => {
    using dir = tempDir()
    const store = await openStore(new FakeStateStoreContext(dir.path))
    for (let i = 0; i < 5000; i++) store.put(b(`k${String(i).padStart(5, '0')}`), b(String(i)))
    let n = 0
    for (const { key, value } of store.all()) {
      assert.equal(s(key), `k${String(n).padStart(5, '0')}`)
      assert.equal(s(value), String(n))
      n++
    }
    assert.equal(n, 5000)
    let m = 4999
    for (const { value } of store.reverseAll()) assert.equal(s(value), String(m--))
    assert.equal(m, -1)
    store.close()
    await store.whenClosed()
  })
})

describe('RocksDBKeyValueStore key filter', () => {
  /** Counts the binding's point reads while `body` runs. */
  async function nativeReads(body: () => Promise<void> | void): Promise<number> {
    const binding = rocksdbBinding()
    const original = binding.db_get_many_sync
    let reads = 0
    binding.db_get_many_sync = (db, keys, options) => {
      reads += keys.length
      return original.call(binding, db, keys, options)
    }
    try {
      await body()
    } finally {
      binding.db_get_many_sync = original
    }
    return reads
  }

  it('a store that opened empty answers never-written keys without a native read', async () => {
    using dir = tempDir()
    const context = new FakeStateStoreContext(dir.path)
    const store = await openStore(context, 'kv', { rowCacheSize: 0 })
    const reads = await nativeReads(() => {
      for (let i = 0; i < 2000; i++) store.put(b(`k${i}`), b(`v${i}`))
      store.flush()
      for (let i = 0; i < 2000; i++) assert.equal(store.get(b(`absent-${i}`)), undefined)
    })
    assert.ok(reads < 100, `${reads} native reads for 2000 never-written keys (false positives only)`)
    const present = await nativeReads(() => {
      for (let i = 0; i < 2000; i++) assert.equal(s(store.get(b(`k${i}`))), `v${i}`)
    })
    assert.equal(present, 2000, 'written keys are read from the database')
    store.delete(b('k5'))
    store.flush()
    assert.equal(store.get(b('k5')), undefined)
    store.close()
    await store.whenClosed()
  })

  it('restored keys are found; a store reopened with data reads every key natively', async () => {
    using dir = tempDir()
    const context = new FakeStateStoreContext(dir.path)
    const first = await openStore(context, 'kv', { rowCacheSize: 0 })
    context.restore('kv', [{ key: b('restored'), value: b('r') }])
    assert.equal(s(first.get(b('restored'))), 'r')
    first.close()
    const second = await openStore(context, 'kv', { rowCacheSize: 0 })
    const reads = await nativeReads(() => {
      assert.equal(s(second.get(b('restored'))), 'r')
      assert.equal(second.get(b('absent')), undefined)
    })
    assert.equal(reads, 2, 'no filter: the database did not open empty')
    second.close()
    await second.whenClosed()
  })

  it('a large restore drops the filter instead of filling it: every key still reads right', async () => {
    using dir = tempDir()
    const context = new FakeStateStoreContext(dir.path)
    const store = await openStore(context, 'kv', { rowCacheSize: 0 })
    // A small restore keeps the filter (a never-written key skips the native read) ...
    context.restore('kv', [{ key: b('first'), value: b('1') }])
    assert.equal(await nativeReads(() => assert.equal(store.get(b('absent-0')), undefined)), 0)
    // ... a restore past 65,536 records drops it: misses ask RocksDB, and nothing is lost.
    const batch = Array.from({ length: 70_000 }, (_, i) => ({ key: b(`r${i}`), value: b(`v${i}`) }))
    context.restore('kv', batch.slice(0, 35_000))
    context.restore('kv', batch.slice(35_000))
    const reads = await nativeReads(() => {
      assert.equal(store.get(b('absent-1')), undefined)
      assert.equal(s(store.get(b('first'))), '1')
      assert.equal(s(store.get(b('r0'))), 'v0')
      assert.equal(s(store.get(b('r69999'))), 'v69999')
    })
    assert.equal(reads, 4, 'no filter after the large restore')
    store.put(b('new'), b('n'))
    store.flush()
    assert.equal(s(store.get(b('new'))), 'n')
    store.close()
    await store.whenClosed()
  })
})
