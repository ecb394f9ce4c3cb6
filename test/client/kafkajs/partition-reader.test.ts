import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { UnknownTopicOrPartitionError } from '../../../src/client/errors.ts'
import type { ConsumerRecord, KafkaClient, PartitionReader, TopicPartition } from '../../../src/client/port.ts'
import { ready, skip, str, testClient, unique, values, withTopics } from './helpers.ts'

async function readAll(reader: PartitionReader, tp: TopicPartition, from: number, to: number): Promise<{ records: ConsumerRecord[]; batches: number }> {
  const records: ConsumerRecord[] = []
  let batches = 0
  for await (const batch of reader.read(tp, from, to)) {
    assert.ok(batch.length > 0, 'no empty batches')
    batches++
    records.push(...batch)
  }
  return { records, batches }
}

const offsets = (records: ConsumerRecord[]) => records.map((r) => r.offset)
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i)

async function endOffset(client: KafkaClient, tp: TopicPartition): Promise<number> {
  const admin = client.admin()
  try {
    return (await admin.endOffsets([tp])).get(`${tp.topic}:${tp.partition}`)!
  } finally {
    await admin.close()
  }
}

describe('kafkajs adapter: PartitionReader', () => {
  // Small fetches, so one read spans many fetch round trips.
  const client = testClient({ reader: { maxBytes: 2048 } })
  const plain = unique('rd')
  const compacted = unique('rd-compact')
  const txn = unique('rd-txn')
  let dropTopics: () => Promise<void> = async () => {}

  before(async () => {
    if (!ready()) return
    dropTopics = await withTopics(client, [
      { name: plain, numPartitions: 2 },
      {
        name: compacted,
        numPartitions: 1,
        // Roll tiny segments at once and clean anything dirty, so the broker's cleaner (which
        // wakes every second on the test broker) compacts within seconds.
        config: {
          'cleanup.policy': 'compact',
          'segment.bytes': '1024',
          'segment.ms': '100',
          'min.cleanable.dirty.ratio': '0.01',
          'min.compaction.lag.ms': '0',
          'delete.retention.ms': '100',
        },
      },
      { name: txn, numPartitions: 1 },
    ])
    const producer = client.producer({})
    await producer.connect()
    try {
      // Twenty sends, so the log holds twenty record batches: a fetch returns whole batches.
      for (let send = 0; send < 20; send++) {
        const records = []
        for (let i = send * 10; i < send * 10 + 10; i++) {
          records.push({ topic: plain, partition: 1, key: str(`k${i}`), value: str(`value-${i}-${'x'.repeat(100)}`), timestamp: i })
        }
        await producer.send(records)
      }
    } finally {
      await producer.close()
    }
  })

  after(async () => {
    await client.closeAll()
    await dropTopics()
  })

  it('reads exactly [from, to) in offset order, across many fetches', { skip }, async (t) => {
    const reader = client.partitionReader({ isolationLevel: 'read_uncommitted' })
    t.after(() => reader.close())
    const tp = { topic: plain, partition: 1 }
    const all = await readAll(reader, tp, 0, 200)
    assert.deepEqual(offsets(all.records), range(0, 200))
    assert.ok(all.batches > 3, `${all.batches} batches`)
    assert.equal(all.records[7]!.value!.toString().startsWith('value-7-'), true)
    assert.equal(all.records[7]!.timestamp, 7)
    assert.deepEqual(offsets((await readAll(reader, tp, 57, 61)).records), [57, 58, 59, 60])
    assert.deepEqual(offsets((await readAll(reader, tp, 190, 1000)).records), range(190, 200), 'stops at the high watermark')
    assert.deepEqual((await readAll(reader, tp, 10, 10)).records, [], 'from == to reads nothing')
    assert.deepEqual((await readAll(reader, tp, 12, 3)).records, [], 'from > to reads nothing')
    assert.deepEqual((await readAll(reader, { topic: plain, partition: 0 }, 0, 100)).records, [], 'an empty partition ends at once')
  })

  it('stops early when the caller breaks out of the iteration', { skip }, async (t) => {
    const reader = client.partitionReader({ isolationLevel: 'read_uncommitted' })
    t.after(() => reader.close())
    let seen = 0
    for await (const batch of reader.read({ topic: plain, partition: 1 }, 0, 200)) {
      seen += batch.length
      break
    }
    assert.ok(seen > 0 && seen < 200)
  })

  it('fails clearly for a partition that does not exist', { skip }, async (t) => {
    const reader = client.partitionReader({ isolationLevel: 'read_uncommitted' })
    t.after(() => reader.close())
    const started = Date.now()
    await assert.rejects(readAll(reader, { topic: unique('missing'), partition: 0 }, 0, 10), UnknownTopicOrPartitionError)
    await assert.rejects(readAll(reader, { topic: plain, partition: 9 }, 0, 10), UnknownTopicOrPartitionError)
    assert.ok(Date.now() - started < 5000, 'without kafkajs\'s metadata retries')
  })

  it('steps over offsets removed by compaction', { skip }, async (t) => {
    const tp = { topic: compacted, partition: 0 }
    const producer = client.producer({})
    await producer.connect()
    const reader = client.partitionReader({ isolationLevel: 'read_uncommitted' })
    t.after(() => Promise.all([producer.close(), reader.close()]))
    // Five rounds over ten keys; each round goes into its own segment.
    for (let round = 0; round < 5; round++) {
      const records = []
      for (let k = 0; k < 10; k++) records.push({ topic: compacted, key: str(`key-${k}`), value: str(`r${round}-${'y'.repeat(60)}`), timestamp: round })
      await producer.send(records)
      await new Promise((resolve) => setTimeout(resolve, 150))
    }
    let result: ConsumerRecord[] = []
    let end = 0
    const deadline = Date.now() + 30_000
    for (;;) {
      // Keep appending (to roll the active segment) until the cleaner has removed something.
      await producer.send([{ topic: compacted, key: str('roller'), value: str(String(Date.now())), timestamp: 9 }])
      end = await endOffset(client, tp)
      result = (await readAll(reader, tp, 0, end)).records
      if (result.length < end || Date.now() > deadline) break
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    assert.ok(result.length < end, `the broker compacted the topic (${result.length} of ${end} offsets left)`)
    const got = offsets(result)
    assert.deepEqual(got, [...got].sort((a, b) => a - b), 'offset order')
    assert.ok(got.every((o, i) => i === 0 || o > got[i - 1]!), 'no repeats')
    const latest = new Map<string, string>()
    for (const r of result) latest.set(r.key!.toString(), r.value!.toString())
    for (let k = 0; k < 10; k++) assert.ok(latest.get(`key-${k}`)?.startsWith('r4-'), `key-${k} ends at its last value`)
    // A range that starts inside a compacted gap begins at the next surviving record. The
    // cleaner may still be at work: compare against reads taken around it that agree.
    let compared = false
    for (let attempt = 0; attempt < 10 && !compared; attempt++) {
      const before = offsets((await readAll(reader, tp, 0, end)).records)
      const gap = before.findIndex((o, i) => o > (i === 0 ? 0 : before[i - 1]! + 1))
      assert.ok(gap >= 0, 'there is a gap')
      const from = gap === 0 ? 0 : before[gap - 1]! + 1
      const partial = offsets((await readAll(reader, tp, from, end)).records)
      const empty = (await readAll(reader, tp, from, before[gap]!)).records
      const after = offsets((await readAll(reader, tp, 0, end)).records)
      if (after.join() !== before.join()) continue
      assert.deepEqual(partial, before.slice(gap))
      assert.deepEqual(empty, [], 'a range of removed offsets is empty')
      compared = true
    }
    assert.ok(compared, 'the log held still long enough to compare')
  })

  it('skips transaction markers; read_committed drops aborted records and stops at an open transaction', { skip }, async (t) => {
    const tp = { topic: txn, partition: 0 }
    const producer = client.producer({ transactionalId: unique('rd-tx') })
    const committed = client.partitionReader({ isolationLevel: 'read_committed' })
    const uncommitted = client.partitionReader({ isolationLevel: 'read_uncommitted' })
    t.after(() => Promise.all([committed.close(), uncommitted.close(), producer.close()]))
    await producer.connect()
    await producer.beginTransaction()
    await producer.send([0, 1, 2].map((i) => ({ topic: txn, partition: 0, key: str(`a${i}`), value: str(`aborted-${i}`), timestamp: i })))
    await producer.abortTransaction()
    await producer.beginTransaction()
    await producer.send([0, 1].map((i) => ({ topic: txn, partition: 0, key: str(`c${i}`), value: str(`committed-${i}`), timestamp: i })))
    await producer.commitTransaction()
    // Offsets: 0-2 aborted, 3 abort marker, 4-5 committed, 6 commit marker.
    const end = await endOffset(client, tp)
    assert.equal(end, 7)

    assert.deepEqual(values((await readAll(committed, tp, 0, end)).records), ['committed-0', 'committed-1'])
    assert.deepEqual(offsets((await readAll(uncommitted, tp, 0, end)).records), [0, 1, 2, 4, 5], 'markers are not records')
    assert.deepEqual(values((await readAll(committed, tp, 1, 5)).records), ['committed-0'])
    assert.deepEqual((await readAll(committed, tp, 6, 7)).records, [], 'a range of only a marker is empty')

    // An open transaction: read_committed ends at the last stable offset instead of waiting.
    await producer.beginTransaction()
    await producer.send([{ topic: txn, partition: 0, key: str('o'), value: str('open'), timestamp: 9 }])
    const started = Date.now()
    assert.deepEqual(values((await readAll(committed, tp, 4, end + 1)).records), ['committed-0', 'committed-1'])
    assert.ok(Date.now() - started < 3000)
    assert.deepEqual(values((await readAll(uncommitted, tp, 4, end + 1)).records), ['committed-0', 'committed-1', 'open'])
    await producer.abortTransaction()
  })
})
