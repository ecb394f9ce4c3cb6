import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InMemoryKeyValueStore } from '../../src/state/in-memory-key-value-store.ts'
import { b, FakeStateStoreContext, s } from './fake-context.ts'
import { keyValueStoreSuite } from './key-value-store-suite.ts'

keyValueStoreSuite('InMemoryKeyValueStore', () => ({
  async create(name) {
    const store = new InMemoryKeyValueStore(name)
    store.init(new FakeStateStoreContext())
    return store
  },
  async dispose() {},
}))

describe('InMemoryKeyValueStore', () => {
  it('is not persistent and registers itself for restore', () => {
    const context = new FakeStateStoreContext()
    const store = new InMemoryKeyValueStore('mem')
    store.init(context)
    assert.equal(store.persistent, false)
    assert.equal(context.registered.get('mem')?.store, store)
  })

  it('restore applies puts and deletes', () => {
    const context = new FakeStateStoreContext()
    const store = new InMemoryKeyValueStore('mem')
    store.init(context)
    store.put(b('gone'), b('x'))
    context.restore('mem', [
      { key: b('a'), value: b('1') },
      { key: b('b'), value: b('2') },
      { key: b('gone'), value: null },
      { key: b('a'), value: b('3') },
    ])
    assert.equal(s(store.get(b('a'))), '3')
    assert.equal(s(store.get(b('b'))), '2')
    assert.equal(store.get(b('gone')), undefined)
    assert.equal(context.changes.length, 0)
  })

  it('close drops the data (it is rebuilt from the changelog)', () => {
    const store = new InMemoryKeyValueStore('mem')
    store.init(new FakeStateStoreContext())
    store.put(b('a'), b('1'))
    store.close()
    store.init(new FakeStateStoreContext())
    assert.equal(store.get(b('a')), undefined)
  })
})
