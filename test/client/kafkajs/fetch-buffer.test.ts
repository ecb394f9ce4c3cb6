import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BufferedBatch, FetchBuffer } from '../../../src/client/kafkajs/fetch-buffer.ts'
import type { ConsumerRecord } from '../../../src/client/port.ts'

const records = (topic: string, partition: number, from: number, n: number): ConsumerRecord[] =>
  Array.from({ length: n }, (_, i) => ({ topic, partition, offset: from + i, key: null, value: null, timestamp: 0, headers: {} }))

test('take hands out records oldest batch first, up to the maximum, and settles drained batches', async () => {
  const buffer = new FetchBuffer()
  const a = new BufferedBatch('t', 0, records('t', 0, 10, 3))
  const b = new BufferedBatch('t', 1, records('t', 1, 0, 2))
  buffer.add(a)
  buffer.add(b)
  assert.deepEqual(buffer.take(2, () => false).map((r) => r.offset), [10, 11])
  assert.equal(a.done, false)
  assert.equal(a.lastTaken()?.offset, 11)
  assert.deepEqual(buffer.take(10, () => false).map((r) => `${r.partition}@${r.offset}`), ['0@12', '1@0', '1@1'])
  assert.equal(await a.settled, 'drained')
  assert.equal(await b.settled, 'drained')
  assert.equal(buffer.size, 0)
})

test('skipped partitions stay buffered; release lets a batch go with what was taken so far', async () => {
  const buffer = new FetchBuffer()
  const a = new BufferedBatch('t', 0, records('t', 0, 0, 4))
  const b = new BufferedBatch('t', 1, records('t', 1, 0, 4))
  buffer.add(a)
  buffer.add(b)
  assert.deepEqual(buffer.take(1, () => false).map((r) => r.partition), [0])
  assert.deepEqual(buffer.take(10, (key) => key === 't:0').map((r) => r.partition), [1, 1, 1, 1])
  buffer.release((batch) => batch.key === 't:0')
  assert.equal(await a.settled, 'released')
  assert.equal(a.lastTaken()?.offset, 0, 'the callback resolves only the record the poller took')
  assert.equal(buffer.size, 0)
  assert.deepEqual(buffer.take(10, () => false), [])
})

test('wait resolves on add or wake, or after the timeout', async () => {
  const buffer = new FetchBuffer()
  let started = Date.now()
  await buffer.wait(30)
  assert.ok(Date.now() - started >= 25)
  started = Date.now()
  const waiting = buffer.wait(5000)
  setTimeout(() => buffer.add(new BufferedBatch('t', 0, records('t', 0, 0, 1))), 10)
  await waiting
  assert.ok(Date.now() - started < 1000)
  const woken = buffer.wait(5000)
  buffer.wake()
  await woken
})
