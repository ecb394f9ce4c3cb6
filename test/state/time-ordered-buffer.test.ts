import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Serdes } from '../../src/serdes/serdes.ts'
import { decodeBufferValue, encodeBufferValue } from '../../src/state/buffer-value.ts'
import type { Eviction } from '../../src/state/in-memory-time-ordered-buffer.ts'
import { TimeOrderedKeyValueBufferBuilder } from '../../src/state/time-ordered-buffer-builder.ts'
import { FakeStateStoreContext } from './fake-context.ts'

const ctx = (timestamp: number) => ({ timestamp, topic: 'in', partition: 0, offset: timestamp, headers: {} })

function open(name = 'buf') {
  const context = new FakeStateStoreContext()
  const buffer = new TimeOrderedKeyValueBufferBuilder(name, Serdes.string(), Serdes.long()).build()
  buffer.init(context)
  return { buffer, context }
}

function evictAll(buffer: ReturnType<typeof open>['buffer'], until = Infinity): Array<Eviction<string, number>> {
  const out: Array<Eviction<string, number>> = []
  buffer.evictWhile(() => buffer.minTimestamp <= until, (e) => out.push(e))
  return out
}

describe('in-memory time-ordered key-value buffer', () => {
  it('evicts oldest time first (then key order); a key buffered again keeps its place with the latest change', () => {
    const { buffer } = open()
    buffer.put(20, 'b', { newValue: 1, oldValue: null }, ctx(20))
    buffer.put(10, 'c', { newValue: 1, oldValue: null }, ctx(10))
    buffer.put(10, 'a', { newValue: 1, oldValue: null }, ctx(11))
    buffer.put(30, 'c', { newValue: 2, oldValue: 1 }, ctx(30))
    assert.equal(buffer.numRecords, 3)
    assert.equal(buffer.minTimestamp, 10)
    const evicted = evictAll(buffer, 10)
    assert.deepEqual(evicted.map((e) => [e.key, e.value.newValue, e.value.oldValue, e.context.timestamp]), [['a', 1, null, 11], ['c', 2, 1, 30]])
    assert.deepEqual(evictAll(buffer).map((e) => e.key), ['b'])
    assert.equal(buffer.minTimestamp, Infinity)
    assert.equal(buffer.bufferSize, 0)
  })

  it('logs changed keys at flush only: buffered records, then tombstones once evicted; and restores them', () => {
    const { buffer, context } = open('logged')
    buffer.put(5, 'a', { newValue: 7, oldValue: null }, { ...ctx(5), headers: { h: 'v' } })
    buffer.put(5, 'a', { newValue: 8, oldValue: 7 }, ctx(6))
    assert.equal(context.changes.length, 0)
    buffer.flush()
    assert.equal(context.changes.length, 1)
    const logged = decodeBufferValue(context.changes[0]!.value!)
    assert.deepEqual([logged.time, logged.context.timestamp, Serdes.long().deserialize('t', logged.newValue!)], [5, 6, 8])
    evictAll(buffer)
    buffer.flush()
    assert.equal(context.changes[1]!.value, null)

    const restored = open('restored')
    restored.context.restore('restored', [
      { key: Buffer.from('x'), value: context.changes[0]!.value, timestamp: 6 },
      { key: Buffer.from('y'), value: context.changes[0]!.value, timestamp: 6 },
      { key: Buffer.from('y'), value: null, timestamp: 7 },
    ])
    assert.equal(restored.buffer.numRecords, 1)
    assert.equal(restored.buffer.maxRecordTimestamp(), 6)
    restored.buffer.flush()
    assert.equal(restored.context.changes.length, 0, 'restoring logs nothing')
    assert.deepEqual(evictAll(restored.buffer).map((e) => [e.key, e.value.newValue]), [['x', 8]])
  })

  it('reports how to undo puts and evictions', () => {
    const { buffer } = open()
    buffer.put(1, 'a', { newValue: 1, oldValue: null }, ctx(1))
    const undos: Array<() => void> = []
    buffer.setUndoRecorder((undo) => undos.push(undo))
    buffer.put(1, 'a', { newValue: 2, oldValue: 1 }, ctx(2))
    buffer.put(3, 'b', { newValue: 1, oldValue: null }, ctx(3))
    evictAll(buffer, 1)
    for (const undo of undos.reverse()) undo()
    buffer.setUndoRecorder(null)
    assert.deepEqual(evictAll(buffer).map((e) => [e.key, e.value.newValue]), [['a', 1]])
  })

  it('round-trips a buffered value with null parts and headers', () => {
    const value = { time: 2 ** 40, oldValue: null, newValue: Buffer.from('n'), context: { timestamp: 3, topic: undefined, partition: -1, offset: -1, headers: { k: Buffer.from([1, 2]) } } }
    assert.deepEqual(decodeBufferValue(encodeBufferValue(value)), value)
  })
})
