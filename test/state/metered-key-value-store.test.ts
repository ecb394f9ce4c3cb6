import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Serdes } from '../../src/serdes/serdes.ts'
import { CachingKeyValueStore } from '../../src/state/caching-key-value-store.ts'
import { ChangeLoggingKeyValueStore } from '../../src/state/change-logging-key-value-store.ts'
import { InMemoryKeyValueStore } from '../../src/state/in-memory-key-value-store.ts'
import { isCachedStateStore, MeteredKeyValueStore } from '../../src/state/metered-key-value-store.ts'
import { FakeStateStoreContext } from './fake-context.ts'

describe('MeteredKeyValueStore', () => {
  it('round-trips typed keys and values through the bytes store', () => {
    const context = new FakeStateStoreContext()
    const inner = new InMemoryKeyValueStore('totals')
    const store = new MeteredKeyValueStore(new ChangeLoggingKeyValueStore(inner), Serdes.string(), Serdes.long(), 'in-memory')
    store.init(context)
    store.put('alice', 10)
    store.put('bob', 20)
    store.put('carol', 30)
    assert.equal(store.get('alice'), 10)
    assert.equal(store.get('nobody'), undefined)
    assert.equal(store.putIfAbsent('alice', 99), 10)
    assert.equal(store.putIfAbsent('dave', 40), undefined)
    assert.equal(store.delete('dave'), 40)
    store.putAll([{ key: 'erin', value: 50 }, { key: 'bob', value: null }])
    store.put('carol', null)
    assert.deepEqual([...store.all()], [{ key: 'alice', value: 10 }, { key: 'erin', value: 50 }])
    assert.deepEqual([...store.reverseAll()].map(({ key }) => key), ['erin', 'alice'])
    assert.deepEqual([...store.range('a', 'b')].map(({ key }) => key), ['alice'])
    assert.deepEqual([...store.reverseRange(undefined, 'z')].map(({ key }) => key), ['erin', 'alice'])
    assert.deepEqual([...store.prefixScan('er', Serdes.string())], [{ key: 'erin', value: 50 }])
    assert.equal(store.approximateNumEntries(), 2)
    // Bytes below are the serdes' bytes.
    assert.equal(inner.get(Buffer.from('alice'))?.toString('hex'), '000000000000000a')
    assert.equal(context.changes[0]?.value?.toString('hex'), '000000000000000a')
    assert.equal(store.counts.put, 4)
    assert.equal(store.counts.get, 2)
    assert.equal(store.counts.range, 4)
  })

  it('serializes a key read then written once, and only for that same primitive key', () => {
    let serialized = 0
    const keySerde = {
      name: 'Counting',
      serialize: (topic: string, value: unknown) => (serialized++, Serdes.json().serialize(topic, value)),
      deserialize: (topic: string, data: Buffer) => Serdes.json().deserialize(topic, data),
    }
    const inner = new InMemoryKeyValueStore('s')
    const store = new MeteredKeyValueStore<unknown, number>(new ChangeLoggingKeyValueStore(inner), keySerde, Serdes.long())
    const context = new FakeStateStoreContext()
    store.init(context)
    store.get('a')
    store.put('a', 1)
    assert.equal(serialized, 1, 'get then put of the same key serializes it once')
    store.put('a', 2)
    assert.equal(serialized, 2, 'the read key is used by one write only')
    store.get('a')
    store.put('b', 3)
    store.put('a', 4)
    assert.equal(serialized, 5)
    assert.equal(store.get('b'), 3)
    assert.equal(store.get('a'), 4)
    store.get('a')
    assert.equal(store.delete('a'), 4)
    assert.equal(store.get('a'), undefined)
    // An object key may change between the read and the write: it is serialized again.
    const key = { id: 1 }
    store.get(key)
    key.id = 2
    store.put(key, 5)
    assert.equal(store.get({ id: 2 }), 5)
    assert.equal(store.get({ id: 1 }), undefined)
    assert.deepEqual(context.changes.map((c) => c.key.toString()), ['"a"', '"a"', '"b"', '"a"', '"a"', '{"id":2}'])
  })

  it('answers a second read of the same key from the last read, with a fresh value object, until a write or restore', () => {
    const inner = new InMemoryKeyValueStore('s')
    let innerGets = 0
    const get = inner.get.bind(inner)
    inner.get = (key: Buffer) => (innerGets++, get(key))
    const store = new MeteredKeyValueStore<string, { n: number }>(new ChangeLoggingKeyValueStore(inner), Serdes.string(), Serdes.json())
    const context = new FakeStateStoreContext()
    store.init(context)
    store.put('a', { n: 1 })
    const first = store.get('a')!
    const second = store.get('a')!
    assert.equal(innerGets, 1, 'the second read of the same key does not go down the stack')
    assert.deepEqual(second, { n: 1 })
    assert.notEqual(first, second, 'each read deserializes its own value')
    first.n = 99
    assert.deepEqual(store.get('a'), { n: 1 }, 'mutating a returned value changes nothing stored or remembered')
    for (const write of [
      () => store.put('a', { n: 2 }),
      () => store.putIfAbsent('a', { n: 0 }),
      () => store.putAll([{ key: 'a', value: { n: 3 } }]),
      () => store.delete('b'),
      () => store.flush(),
    ]) {
      store.get('a')
      const before: number = innerGets
      write()
      store.get('a')
      assert.equal(innerGets, before + 1, `a read after ${String(write)} goes down the stack`)
    }
    assert.deepEqual(store.get('a'), { n: 3 })
    assert.equal(store.get('missing'), undefined)
    assert.equal(store.get('missing'), undefined, 'an absent key is remembered as absent')
    // A restore writes below the metered layer: the next read sees it.
    assert.deepEqual(store.get('a'), { n: 3 })
    context.restore('s', [{ key: Buffer.from('a'), value: Buffer.from('{"n":7}') }])
    assert.deepEqual(store.get('a'), { n: 7 })
    store.get('missing')
    context.restore('s', [{ key: Buffer.from('missing'), value: Buffer.from('{"n":8}') }])
    assert.deepEqual(store.get('missing'), { n: 8 })
  })

  it('tells 0 from -0 when reusing a read key', () => {
    const store = new MeteredKeyValueStore(new InMemoryKeyValueStore('s'), Serdes.double(), Serdes.long())
    store.init(new FakeStateStoreContext())
    assert.equal(store.get(0), undefined)
    store.put(-0, 1)
    assert.equal(store.get(0), undefined)
    assert.equal(store.get(-0), 1)
  })

  it('serializes with the changelog topic name and registers itself as the root store', () => {
    const topics: string[] = []
    const serde = {
      name: 'Spy',
      serialize: (topic: string, value: string) => (topics.push(topic), Buffer.from(value)),
      deserialize: (topic: string, data: Buffer) => (topics.push(topic), data.toString()),
    }
    const context = new FakeStateStoreContext()
    const store = new MeteredKeyValueStore(new ChangeLoggingKeyValueStore(new InMemoryKeyValueStore('s')), serde, serde)
    store.init(context)
    store.put('k', 'v')
    store.get('k')
    assert.deepEqual(new Set(topics), new Set(['app-s-changelog']))
    assert.equal(store.serdeTopic, 'app-s-changelog')
    assert.equal(context.registered.get('s')?.store, store, 'the state manager sees the outermost store')
    // The restore callback still writes below the logging layer.
    context.restore('s', [{ key: Buffer.from('r'), value: Buffer.from('x') }])
    assert.equal(store.get('r'), 'x')
    assert.equal(context.changes.length, 1)
  })

  it('exposes the cache flush listener typed, and reports when there is no cache', () => {
    const context = new FakeStateStoreContext()
    const cached = new MeteredKeyValueStore(new CachingKeyValueStore(new InMemoryKeyValueStore('c')), Serdes.string(), Serdes.long())
    cached.init(context)
    const seen: unknown[] = []
    assert.ok(isCachedStateStore(cached))
    assert.equal(cached.setFlushListener((k, n, o, ts) => seen.push([k, n, o, ts]), true), true)
    context.timestamp = 5
    cached.put('a', 1)
    cached.put('a', 2)
    cached.flush()
    assert.deepEqual(seen, [['a', 2, null, 5]])

    const plain = new MeteredKeyValueStore(new InMemoryKeyValueStore('p'), Serdes.string(), Serdes.long())
    assert.equal(plain.setFlushListener(() => {}, false), false)
  })

  it('closing closes the whole stack', () => {
    const store = new MeteredKeyValueStore(new InMemoryKeyValueStore('x'), Serdes.string(), Serdes.string())
    store.init(new FakeStateStoreContext())
    assert.equal(store.isOpen(), true)
    store.close()
    assert.equal(store.isOpen(), false)
    assert.throws(() => store.get('a'), { name: 'InvalidStateStoreError' })
  })
})
