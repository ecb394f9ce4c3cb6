import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ClientClosedError, KafkaClientError } from '../../../src/client/errors.ts'
import type { ConsumerRecord } from '../../../src/client/port.ts'
import { pollFor, recordingConsumer } from '../embedded-helpers.ts'
import { ready, skip, str, testClient, unique, values, withTopics } from './helpers.ts'

/**
 * How long a test waits for deliveries it is owed. Generous on purpose: `npm test` runs these
 * beside the chaos tests, whose load on the shared broker can hold a delivery up for seconds; a
 * missing record still fails, only later.
 */
const DELIVERY_MS = 30_000

/** partition:offset of what a consumer got, for failure messages. */
const seen = (records: ReadonlyArray<ConsumerRecord>): string => records.map((r) => `${r.partition}:${r.offset}`).join(' ')

describe('kafkajs adapter: produce and poll', () => {
  const client = testClient()
  const topic = unique('pc')
  let dropTopics: () => Promise<void> = async () => {}

  before(async () => {
    if (!ready()) return
    dropTopics = await withTopics(client, [{ name: topic, numPartitions: 3 }])
    const producer = client.producer({})
    await producer.connect()
    const records = []
    for (let i = 0; i < 30; i++) {
      records.push({
        topic,
        key: str(`k${i % 7}`),
        value: i === 29 ? null : str(`v${i}`),
        timestamp: 1_000 + i,
        ...(i === 0 ? { headers: { trace: str('t-0'), tenant: str('acme') } } : {}),
      })
    }
    const results = await producer.send(records)
    // One result per record, in order, each at the murmur2 partition of its key.
    assert.equal(results.length, 30)
    const perPartition = new Map<number, number[]>()
    results.forEach((r, i) => {
      assert.equal(r.topic, topic)
      assert.equal(r.partition, client.partitionFor(str(`k${i % 7}`), 3))
      perPartition.set(r.partition, [...(perPartition.get(r.partition) ?? []), r.offset])
    })
    for (const offsets of perPartition.values()) assert.deepEqual(offsets, offsets.map((_, i) => i), 'consecutive offsets per partition')
    await producer.close()
  })

  after(async () => {
    await client.closeAll()
    await dropTopics()
  })

  it('delivers every record with key, value, timestamp and headers; tombstones stay null', { skip }, async () => {
    const { consumer, events } = recordingConsumer(client, { groupId: unique('g'), topics: [topic] })
    await consumer.connect()
    const got = await pollFor(consumer, 30, 15_000)
    assert.equal(got.length, 30)
    assert.deepEqual(events, [{ kind: 'assigned', partitions: [0, 1, 2].map((p) => `${topic}-${p}`) }])
    const first = got.find((r) => r.value?.toString() === 'v0')!
    assert.equal(first.key?.toString(), 'k0')
    assert.equal(first.timestamp, 1_000)
    assert.deepEqual(Object.fromEntries(Object.entries(first.headers).map(([k, v]) => [k, v.toString()])), { trace: 't-0', tenant: 'acme' })
    assert.equal(got.filter((r) => r.value === null).length, 1)
    for (const p of [0, 1, 2]) {
      const offsets = got.filter((r) => r.partition === p).map((r) => r.offset)
      assert.deepEqual(offsets, offsets.map((_, i) => i), `partition ${p} in offset order`)
    }
    await consumer.close()
    assert.deepEqual(events.at(-1), { kind: 'revoked', partitions: [0, 1, 2].map((p) => `${topic}-${p}`) })
    await assert.rejects(consumer.poll(10), ClientClosedError)
  })

  it('hands out at most maxPollRecords per poll', { skip }, async () => {
    const { consumer } = recordingConsumer(client, { groupId: unique('g'), topics: [topic], maxPollRecords: 4 })
    await consumer.connect()
    const sizes: number[] = []
    const deadline = Date.now() + 15_000
    let total = 0
    while (total < 30 && Date.now() < deadline) {
      const batch = await consumer.poll(200)
      if (batch.length > 0) sizes.push(batch.length)
      total += batch.length
    }
    assert.equal(total, 30)
    assert.ok(sizes.every((n) => n <= 4), `poll sizes ${sizes.join(',')}`)
    await consumer.close()
  })

  it('commits offsets, reads them back, and a new member of the group starts from them', { skip }, async () => {
    const groupId = unique('g')
    const a = recordingConsumer(client, { groupId, topics: [topic] }).consumer
    await a.connect()
    const got = await pollFor(a, 30, 15_000)
    const next = new Map<number, number>()
    for (const r of got) next.set(r.partition, Math.min(r.offset + 1, 3))
    const offsets = [...next].map(([partition, offset]) => ({ topic, partition, offset }))
    await a.commit(offsets)
    const committed = await a.committed([0, 1, 2].map((partition) => ({ topic, partition })))
    assert.deepEqual(committed, new Map(offsets.map((o) => [`${topic}:${o.partition}`, o.offset])))
    const viaAdmin = client.admin()
    assert.deepEqual(await viaAdmin.committedOffsets(groupId, [{ topic, partition: 0 }]), new Map([[`${topic}:0`, next.get(0)!]]))
    await viaAdmin.close()
    await a.close()

    const b = recordingConsumer(client, { groupId, topics: [topic] }).consumer
    await b.connect()
    const skipped = offsets.reduce((n, o) => n + o.offset, 0)
    const rest = await pollFor(b, 30 - skipped, 15_000)
    assert.equal(rest.length, 30 - skipped)
    assert.ok(rest.every((r) => r.offset >= 3), 'starts from the committed offsets')
    assert.deepEqual(await b.poll(300), [], 'and nothing before them')
    await b.close()
  })

  it('pause stops delivery of a partition, resume continues where it stopped', { skip }, async () => {
    const { consumer, events } = recordingConsumer(client, { groupId: unique('g'), topics: [topic], maxPollRecords: 1 })
    await consumer.connect()
    try {
      let first: ConsumerRecord[] = []
      const deadline = Date.now() + DELIVERY_MS
      while (first.length === 0 && Date.now() < deadline) first = await consumer.poll(200)
      assert.equal(first.length, 1, `a first record within ${DELIVERY_MS} ms (events ${JSON.stringify(events)})`)
      const paused = first[0]!.partition
      consumer.pause([{ topic, partition: paused }])
      const others = await pollFor(consumer, 40, 3_000)
      assert.ok(others.length > 0)
      assert.ok(others.every((r) => r.partition !== paused), 'nothing from the paused partition')
      consumer.resume([{ topic, partition: paused }])
      const resumed = await pollFor(consumer, 30 - 1 - others.length, DELIVERY_MS)
      const fromPaused = resumed.filter((r) => r.partition === paused).map((r) => r.offset)
      assert.equal(others.length + resumed.length + 1, 30, `every record once: ${seen([...first, ...others, ...resumed])}; events ${JSON.stringify(events)}`)
      assert.deepEqual(fromPaused, fromPaused.map((_, i) => first[0]!.offset + 1 + i), 'no gap and no repeat after resume')
    } finally {
      await consumer.close()
    }
  })

  it('seek rewinds an assigned partition and rejects an unassigned one', { skip }, async () => {
    const { consumer, events } = recordingConsumer(client, { groupId: unique('g'), topics: [topic] })
    await consumer.connect()
    try {
      const all = await pollFor(consumer, 30, DELIVERY_MS)
      assert.equal(all.length, 30, `every record within ${DELIVERY_MS} ms: ${seen(all)}; events ${JSON.stringify(events)}`)
      const p = all[0]!.partition
      const count = all.filter((r) => r.partition === p).length
      consumer.seek({ topic, partition: p, offset: 1 })
      const again = await pollFor(consumer, count - 1, DELIVERY_MS)
      assert.deepEqual(
        again.map((r) => [r.partition, r.offset]),
        Array.from({ length: count - 1 }, (_, i) => [p, i + 1]),
      )
      assert.throws(() => consumer.seek({ topic: 'not-assigned', partition: 0, offset: 0 }), KafkaClientError)
    } finally {
      await consumer.close()
    }
  })

  it('autoOffsetReset latest skips what was written before the first assignment', { skip }, async () => {
    const { consumer, events } = recordingConsumer(client, { groupId: unique('g'), topics: [topic], autoOffsetReset: 'latest' })
    await consumer.connect()
    const deadline = Date.now() + 15_000
    while (events.length === 0 && Date.now() < deadline) assert.deepEqual(await consumer.poll(100), [])
    const producer = client.producer({})
    await producer.connect()
    await producer.send([{ topic, partition: 2, key: null, value: str('late'), timestamp: 9 }])
    await producer.close()
    assert.deepEqual(values(await pollFor(consumer, 1, 10_000)), ['late'])
    await consumer.close()
  })
})
