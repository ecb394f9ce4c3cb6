/**
 * Consumer groups as the runtime uses them: manual commits (autoCommit off) that read back
 * exactly, and a second member whose join rebalances the partitions into a disjoint, complete split.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Consumer, EachMessagePayload } from 'kafkajs'
import { brokerFixture, FAST_GROUP, testProducer, uniqueName, waitFor } from '../helpers/kafka.ts'
import type { BrokerFixture } from '../helpers/kafka.ts'
import { integrationServices } from '../helpers/services.ts'

const services = await integrationServices()
const PARTITIONS = 4

interface Delivery {
  readonly partition: number
  readonly offset: number
  readonly key: string
  /** Delivered after the test committed (a redelivery then would ignore the commit). */
  readonly afterCommit: boolean
}

interface Member {
  readonly consumer: Consumer
  /** Distinct records in arrival order. With autoCommit off, a rebalance before the first
   * commit legitimately re-delivers from the start (at-least-once), so copies are kept apart. */
  readonly seen: Delivery[]
  readonly deliveries: Delivery[]
  /** The assignment from this member's latest GROUP_JOIN. */
  assignment: number[] | undefined
}

let committed = false

describe('consumer group', () => {
  let broker: BrokerFixture
  before(async () => {
    if (!services.ready()) return
    broker = await brokerFixture()
  })
  after(() => broker?.cleanup())

  async function member(groupId: string, topic: string): Promise<Member> {
    const consumer = broker.kafka.consumer({ groupId, ...FAST_GROUP })
    const m: Member = { consumer, seen: [], deliveries: [], assignment: undefined }
    const distinct = new Set<string>()
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      m.assignment = [...(payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b)
    })
    broker.defer(() => consumer.disconnect())
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }: EachMessagePayload) => {
        const d = { partition, offset: Number(message.offset), key: message.key!.toString(), afterCommit: committed }
        m.deliveries.push(d)
        if (distinct.has(`${partition}:${d.offset}`)) return
        distinct.add(`${partition}:${d.offset}`)
        m.seen.push(d)
      },
    })
    return m
  }

  test('manual commits read back; a second member splits the partitions disjointly and completely', { skip: services.skip }, async () => {
    const topic = uniqueName('group-in')
    const groupId = broker.trackGroup(uniqueName('group'))
    await broker.createTopics([{ topic, numPartitions: PARTITIONS }])
    const producer = testProducer(broker.kafka)
    await producer.connect()
    broker.defer(() => producer.disconnect())
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`)
    await producer.send({ topic, messages: keys.map((key) => ({ key, value: key })) })

    const a = await member(groupId, topic)
    await waitFor('member A to read all 40 records', () => a.seen.length >= keys.length)
    assert.deepEqual(a.assignment, [0, 1, 2, 3])
    assert.deepEqual(a.seen.map((r) => r.key).sort(), [...keys].sort())

    // Commit each partition's next offset explicitly, then read the group's offsets back.
    const next = new Map<number, number>()
    for (const r of a.seen) next.set(r.partition, Math.max(next.get(r.partition) ?? 0, r.offset + 1))
    // Commit only once A is caught up, so no re-delivery from an earlier rebalance is in flight.
    await waitFor('member A to be caught up on every partition', () =>
      [...next].every(([p, n]) => a.deliveries.findLast((d) => d.partition === p)?.offset === n - 1))
    committed = true
    await a.consumer.commitOffsets([...next].map(([partition, offset]) => ({ topic, partition, offset: String(offset) })))
    const [fetched] = await broker.admin.fetchOffsets({ groupId, topics: [topic] })
    const readBack = new Map(fetched!.partitions.map((p) => [p.partition, Number(p.offset)]))
    for (let p = 0; p < PARTITIONS; p++) assert.equal(readBack.get(p), next.get(p) ?? -1, `partition ${p}`)

    // B joins: the coordinator rebalances and both members get a share.
    const b = await member(groupId, topic)
    const split = await waitFor('a rebalance that gives both members partitions', () => {
      const [pa, pb] = [a.assignment ?? [], b.assignment ?? []]
      return pa.length > 0 && pb.length > 0 && pa.length + pb.length === PARTITIONS ? { pa, pb } : undefined
    })
    assert.deepEqual(split.pa.filter((p) => split.pb.includes(p)), [], 'assignments are disjoint')
    assert.deepEqual([...split.pa, ...split.pb].sort((x, y) => x - y), [0, 1, 2, 3], 'assignments are complete')

    // New records reach the member that owns their partition; committed ones are not redelivered.
    const before = { a: a.seen.length, b: b.seen.length }
    const more = Array.from({ length: 12 }, (_, i) => `more-${i}`)
    await producer.send({ topic, messages: more.map((key) => ({ key, value: key })) })
    await waitFor('the 12 new records', () => a.seen.length - before.a + b.seen.length - before.b >= more.length)
    const newA = a.seen.slice(before.a)
    const newB = b.seen.slice(before.b)
    assert.deepEqual([...newA, ...newB].map((r) => r.key).sort(), [...more].sort())
    assert.ok(newA.every((r) => split.pa.includes(r.partition)), 'A only reads its partitions')
    assert.ok(newB.every((r) => split.pb.includes(r.partition)), 'B only reads its partitions')
    const stale = [...a.deliveries, ...b.deliveries].filter((d) => d.afterCommit && d.offset < (next.get(d.partition) ?? 0))
    assert.deepEqual(stale, [], 'nothing below the committed offsets is delivered again')
  })
})
