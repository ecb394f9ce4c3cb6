import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CachingKeyValueStore } from '../../src/state/caching-key-value-store.ts'
import { ChangeLoggingKeyValueStore } from '../../src/state/change-logging-key-value-store.ts'
import { InMemoryKeyValueStore } from '../../src/state/in-memory-key-value-store.ts'
import { b, FakeStateStoreContext, s } from './fake-context.ts'

function setup(maxEntries?: number) {
  const context = new FakeStateStoreContext()
  const inner = new InMemoryKeyValueStore('agg')
  const store = new CachingKeyValueStore(new ChangeLoggingKeyValueStore(inner), maxEntries === undefined ? {} : { maxEntries })
  store.init(context)
  const flushed: Array<[string | undefined | null, string | null | undefined, string | null | undefined, number]> = []
  return { context, inner, store, flushed }
}

describe('CachingKeyValueStore', () => {
  it('deduplicates writes per key until flush, then logs and forwards each key once', () => {
    const { context, inner, store, flushed } = setup()
    store.setFlushListener((key, newValue, oldValue, ts) => flushed.push([s(key), s(newValue), s(oldValue), ts]), false)
    context.timestamp = 1
    store.put(b('a'), b('1'))
    context.timestamp = 2
    store.put(b('b'), b('1'))
    context.timestamp = 3
    store.put(b('a'), b('2'))
    assert.equal(s(store.get(b('a'))), '2', 'reads see the cache')
    assert.equal(inner.get(b('a')), undefined, 'nothing below yet')
    assert.deepEqual(context.changes, [], 'nothing logged yet')
    context.timestamp = 50
    store.flush()
    // Arrival order of the last write per key: b then a.
    assert.deepEqual(flushed, [['b', '1', null, 2], ['a', '2', null, 3]])
    assert.deepEqual(
      context.changes.map(({ key, value, timestamp }) => [s(key), s(value), timestamp]),
      [['b', '1', 2], ['a', '2', 3]],
      'changelog records carry the timestamp of the write, not of the flush',
    )
    assert.equal(s(inner.get(b('a'))), '2')
  })

  it('sends old values when asked', () => {
    const { context, store, flushed } = setup()
    store.setFlushListener((key, newValue, oldValue, ts) => flushed.push([s(key), s(newValue), s(oldValue), ts]), true)
    store.put(b('a'), b('1'))
    store.flush()
    context.timestamp = 7
    store.put(b('a'), b('2'))
    store.put(b('a'), b('3'))
    store.flush()
    store.delete(b('a'))
    store.flush()
    assert.deepEqual(flushed, [['a', '1', null, 0], ['a', '3', '1', 7], ['a', null, '3', 7]])
  })

  it('skips a delete of a key that never reached the store', () => {
    const { context, store, flushed } = setup()
    store.setFlushListener((key, newValue, oldValue, ts) => flushed.push([s(key), s(newValue), s(oldValue), ts]), false)
    store.put(b('tmp'), b('1'))
    store.delete(b('tmp'))
    store.flush()
    assert.deepEqual(flushed, [])
    assert.deepEqual(context.changes, [])
  })

  it('flushes everything once more than maxEntries keys are dirty', () => {
    const { inner, store, flushed } = setup(3)
    store.setFlushListener((key, newValue, oldValue, ts) => flushed.push([s(key), s(newValue), s(oldValue), ts]), false)
    for (const k of ['a', 'b', 'c']) store.put(b(k), b(k))
    assert.equal(flushed.length, 0)
    store.put(b('a'), b('again'))
    assert.equal(flushed.length, 0, 'rewriting a cached key does not grow the cache')
    store.put(b('d'), b('d'))
    assert.deepEqual(flushed.map(([k]) => k), ['b', 'c', 'a', 'd'])
    assert.equal(s(inner.get(b('a'))), 'again')
  })

  it('close flushes the cache', () => {
    const { context, store } = setup()
    store.put(b('a'), b('1'))
    store.close()
    assert.equal(context.changes.length, 1)
  })

  it('merged ranges prefer cached values and hide cached deletes', () => {
    const { inner, store } = setup()
    for (const k of ['a', 'b', 'c', 'd']) store.put(b(k), b('stored'))
    store.flush()
    store.put(b('b'), b('cached'))
    store.delete(b('c'))
    store.put(b('bb'), b('new'))
    assert.equal(s(inner.get(b('c'))), 'stored')
    const entries = (it: Iterable<{ key: Buffer; value: Buffer }>) => [...it].map(({ key, value }) => `${s(key)}=${s(value)}`)
    assert.deepEqual(entries(store.all()), ['a=stored', 'b=cached', 'bb=new', 'd=stored'])
    assert.deepEqual(entries(store.reverseRange(b('b'), b('c'))), ['bb=new', 'b=cached'])
  })
})
