import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ChangeLoggingKeyValueStore } from '../../src/state/change-logging-key-value-store.ts'
import { ChangeLoggingTimestampedKeyValueStore } from '../../src/state/change-logging-timestamped-key-value-store.ts'
import { InMemoryKeyValueStore } from '../../src/state/in-memory-key-value-store.ts'
import { readTimestamp, timestampedValue } from '../../src/state/value-and-timestamp.ts'
import { b, FakeStateStoreContext, s } from './fake-context.ts'

const logged = (context: FakeStateStoreContext) =>
  context.changes.map(({ store, key, value, timestamp }) => [store, s(key), s(value), timestamp])

describe('ChangeLoggingKeyValueStore', () => {
  it('logs exactly the writes, with the current record timestamp', () => {
    const context = new FakeStateStoreContext()
    const store = new ChangeLoggingKeyValueStore(new InMemoryKeyValueStore('counts'))
    store.init(context)
    context.timestamp = 10
    store.put(b('a'), b('1'))
    context.timestamp = 11
    store.put(b('a'), null)
    context.timestamp = 12
    assert.equal(store.putIfAbsent(b('b'), b('2')), undefined)
    assert.equal(s(store.putIfAbsent(b('b'), b('3'))), '2', 'not logged: nothing was written')
    store.putAll([{ key: b('c'), value: b('4') }, { key: b('b'), value: null }])
    context.timestamp = 13
    assert.equal(s(store.delete(b('c'))), '4')
    store.get(b('c'))
    ;[...store.all()]
    assert.deepEqual(logged(context), [
      ['counts', 'a', '1', 10],
      ['counts', 'a', null, 11],
      ['counts', 'b', '2', 12],
      ['counts', 'c', '4', 12],
      ['counts', 'b', null, 12],
      ['counts', 'c', null, 13],
    ])
    assert.equal(s(store.get(b('a'))), undefined)
  })

  it('restore applies puts and deletes to the inner store without logging', () => {
    const context = new FakeStateStoreContext()
    const inner = new InMemoryKeyValueStore('counts')
    const store = new ChangeLoggingKeyValueStore(inner)
    store.init(context)
    store.put(b('x'), b('0'))
    context.changes.length = 0
    context.restore('counts', [{ key: b('a'), value: b('1') }, { key: b('x'), value: null }])
    assert.equal(s(store.get(b('a'))), '1')
    assert.equal(store.get(b('x')), undefined)
    assert.deepEqual(context.changes, [])
  })
})

describe('ChangeLoggingTimestampedKeyValueStore', () => {
  it('logs the plain value with the stored timestamp; deletes use the record timestamp', () => {
    const context = new FakeStateStoreContext()
    const store = new ChangeLoggingTimestampedKeyValueStore(new InMemoryKeyValueStore('t'))
    store.init(context)
    context.timestamp = 99
    store.put(b('a'), timestampedValue(b('v1'), 1234))
    store.delete(b('a'))
    assert.deepEqual(logged(context), [
      ['t', 'a', 'v1', 1234],
      ['t', 'a', null, 99],
    ])
  })

  it('restore prepends the changelog record timestamp to the plain value', () => {
    const context = new FakeStateStoreContext()
    const store = new ChangeLoggingTimestampedKeyValueStore(new InMemoryKeyValueStore('t'))
    store.init(context)
    context.restore('t', [
      { key: b('a'), value: b('v1'), timestamp: 5000 },
      { key: b('b'), value: b('v2') },
      { key: b('c'), value: b('v3'), timestamp: 1 },
      { key: b('c'), value: null, timestamp: 2 },
    ])
    const a = store.get(b('a'))!
    assert.equal(readTimestamp(a), 5000)
    assert.equal(s(a.subarray(8)), 'v1')
    assert.equal(readTimestamp(store.get(b('b'))!), -1, 'no timestamp given: Kafka NO_TIMESTAMP')
    assert.equal(store.get(b('c')), undefined)
    assert.deepEqual(context.changes, [])
  })
})
