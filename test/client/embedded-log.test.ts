import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { KafkaClientError } from '../../src/client/errors.ts'
import { str } from './embedded-helpers.ts'

test('compact keeps the latest value per key and drops tombstones, keeping offsets', async () => {
  const kafka = createEmbeddedKafka()
  await kafka.admin().createTopics([{ name: 'cl', numPartitions: 1, config: { 'cleanup.policy': 'compact' } }])
  const p = kafka.producer({})
  await p.connect()
  await p.send([
    { topic: 'cl', key: str('a'), value: str('a1'), timestamp: 1 },
    { topic: 'cl', key: str('b'), value: str('b1'), timestamp: 2 },
    { topic: 'cl', key: str('a'), value: str('a2'), timestamp: 3 },
    { topic: 'cl', key: str('c'), value: str('c1'), timestamp: 4 },
    { topic: 'cl', key: str('c'), value: null, timestamp: 5 },
  ])
  kafka.compact('cl')
  assert.deepEqual(
    kafka.records('cl').map((r) => [r.offset, r.key!.toString(), r.value!.toString()]),
    [
      [1, 'b', 'b1'],
      [2, 'a', 'a2'],
    ],
  )
  assert.equal((await kafka.admin().endOffsets([{ topic: 'cl', partition: 0 }])).get('cl:0'), 5)
  // Offsets below a compacted-away record still resolve to the next surviving one.
  const reader = kafka.partitionReader({ isolationLevel: 'read_uncommitted' })
  const got: number[] = []
  for await (const batch of reader.read({ topic: 'cl', partition: 0 }, 0, 5)) got.push(...batch.map((r) => r.offset))
  assert.deepEqual(got, [1, 2])
  await assert.rejects(p.send([{ topic: 'cl', key: null, value: str('x'), timestamp: 6 }]), KafkaClientError)
})

test('compact refuses non-compacted topics and leaves open transactions alone', async () => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('plain', 1)
  assert.throws(() => kafka.compact('plain'), /not compacted/)
  kafka.createTopic('cl', 1, { 'cleanup.policy': 'compact' })
  const tx = kafka.producer({ transactionalId: 'x' })
  await tx.connect()
  await tx.beginTransaction()
  await tx.send([
    { topic: 'cl', key: str('a'), value: str('open-1'), timestamp: 1 },
    { topic: 'cl', key: str('a'), value: str('open-2'), timestamp: 2 },
  ])
  kafka.compact('cl')
  assert.equal(kafka.records('cl').length, 2, 'records past the last stable offset are not compacted')
  await tx.commitTransaction()
  kafka.compact('cl')
  assert.deepEqual(kafka.records('cl').map((r) => r.value!.toString()), ['open-2'])
})

test('PartitionReader reads [from, to) in batches, stopping at the end or the bound', async () => {
  const kafka = createEmbeddedKafka({ readerBatchSize: 4 })
  kafka.createTopic('log', 2)
  const p = kafka.producer({})
  await p.connect()
  await p.send(Array.from({ length: 10 }, (_, i) => ({ topic: 'log', partition: 1, key: str(`k${i}`), value: str(`v${i}`), timestamp: i })))
  const reader = kafka.partitionReader({ isolationLevel: 'read_uncommitted' })
  const batches: number[][] = []
  for await (const batch of reader.read({ topic: 'log', partition: 1 }, 2, 9)) batches.push(batch.map((r) => r.offset))
  assert.deepEqual(batches, [[2, 3, 4, 5], [6, 7, 8]])
  const beyond: number[] = []
  for await (const batch of reader.read({ topic: 'log', partition: 1 }, 8, 100)) beyond.push(...batch.map((r) => r.offset))
  assert.deepEqual(beyond, [8, 9], 'a bound past the end stops at the end')
  const empty: number[] = []
  for await (const batch of reader.read({ topic: 'log', partition: 0 }, 0, 10)) empty.push(...batch.map((r) => r.offset))
  assert.deepEqual(empty, [])
  await assert.rejects(async () => {
    for await (const _ of reader.read({ topic: 'missing', partition: 0 }, 0, 1)) void _
  }, /does not exist/)
  await reader.close()
})

test('a read_committed PartitionReader stops at an open transaction', async () => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('cl', 1)
  const p = kafka.producer({})
  await p.connect()
  await p.send([{ topic: 'cl', key: str('a'), value: str('before'), timestamp: 1 }])
  const tx = kafka.producer({ transactionalId: 'x' })
  await tx.connect()
  await tx.beginTransaction()
  await tx.send([{ topic: 'cl', key: str('a'), value: str('open'), timestamp: 2 }])
  await p.send([{ topic: 'cl', key: str('b'), value: str('after'), timestamp: 3 }])
  const read = async (isolationLevel: 'read_committed' | 'read_uncommitted') => {
    const out: string[] = []
    for await (const batch of kafka.partitionReader({ isolationLevel }).read({ topic: 'cl', partition: 0 }, 0, 3)) {
      out.push(...batch.map((r) => r.value!.toString()))
    }
    return out
  }
  assert.deepEqual(await read('read_committed'), ['before'])
  assert.deepEqual(await read('read_uncommitted'), ['before', 'open', 'after'])
})

// Speed is measured by bench/engine.ts, not asserted here: this checks a large log stays whole.
test('a million records go through produce and poll, none lost or repeated', async () => {
  const kafka = createEmbeddedKafka({ defaultPartitions: 4 })
  const p = kafka.producer({})
  await p.connect()
  const value = str('v')
  for (let batch = 0; batch < 100; batch++) {
    const records = new Array(10_000)
    for (let i = 0; i < 10_000; i++) records[i] = { topic: 'big', partition: i & 3, key: null, value, timestamp: i }
    await p.send(records)
  }
  const c = kafka.consumer({
    groupId: 'g',
    topics: ['big'],
    isolationLevel: 'read_uncommitted',
    autoOffsetReset: 'earliest',
    rebalanceListener: { onPartitionsAssigned() {}, onPartitionsRevoked() {} },
  })
  await c.connect()
  let total = 0
  const next = [0, 0, 0, 0]
  while (total < 1_000_000) {
    const records = await c.poll(100)
    assert.ok(records.length <= 1000)
    for (const r of records) {
      assert.equal(r.offset, next[r.partition], `partition ${r.partition} offsets stay contiguous`)
      next[r.partition] = r.offset + 1
    }
    total += records.length
  }
  assert.equal(total, 1_000_000)
  assert.deepEqual(next, [250_000, 250_000, 250_000, 250_000])
  await c.close()
})
