/**
 * The restore-style reader (test/helpers/read-partition.ts): one chosen partition, from a chosen
 * offset to its end offset, outside any application consumer group.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { brokerFixture, testProducer, uniqueName } from '../helpers/kafka.ts'
import type { BrokerFixture } from '../helpers/kafka.ts'
import { endOffset, readPartition } from '../helpers/read-partition.ts'
import { integrationServices } from '../helpers/services.ts'

const services = await integrationServices()

describe('readPartition', () => {
  let broker: BrokerFixture
  let topic: string
  before(async () => {
    if (!services.ready()) return
    broker = await brokerFixture()
    topic = uniqueName('restore')
    await broker.createTopics([{ topic, numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }])
    const producer = testProducer(broker.kafka)
    await producer.connect()
    broker.defer(() => producer.disconnect())
    // Partition 1 gets 20 records in 4 produce batches; 0 and 2 get noise the reader must not return.
    for (let batch = 0; batch < 4; batch++) {
      const messages = Array.from({ length: 5 }, (_, i) => ({ partition: 1, key: `k${batch * 5 + i}`, value: `v${batch * 5 + i}` }))
      await producer.send({ topic, messages: [...messages, { partition: 0, key: 'x', value: 'noise' }, { partition: 2, key: 'y', value: 'noise' }] })
    }
  })
  after(() => broker?.cleanup())

  test('reads exactly offsets [from, end) of the one partition', { skip: services.skip }, async () => {
    const end = await endOffset(broker.kafka, topic, 1)
    assert.equal(end, 20)
    const read = await readPartition(broker.kafka, { topic, partition: 1, from: 7 })
    assert.equal(read.end, 20)
    assert.deepEqual(read.records.map((r) => Number(r.offset)), Array.from({ length: 13 }, (_, i) => 7 + i))
    assert.deepEqual(read.records.map((r) => r.value?.toString()), Array.from({ length: 13 }, (_, i) => `v${7 + i}`))
    assert.ok(read.records.every((r) => r.partition === 1))
  })

  test('stops at an explicit end and returns nothing for an empty range', { skip: services.skip }, async () => {
    const head = await readPartition(broker.kafka, { topic, partition: 1, from: 0, to: 5 })
    assert.deepEqual(head.records.map((r) => r.key?.toString()), ['k0', 'k1', 'k2', 'k3', 'k4'])
    const none = await readPartition(broker.kafka, { topic, partition: 1, from: 20 })
    assert.deepEqual(none.records, [])
  })

  test('never commits offsets, so no consumer group is left holding any', { skip: services.skip }, async () => {
    await readPartition(broker.kafka, { topic, partition: 2, from: 0 })
    const { groups } = await broker.admin.listGroups()
    for (const g of groups.filter((g) => g.groupId.startsWith('kst-reader-'))) {
      const offsets = await broker.admin.fetchOffsets({ groupId: g.groupId, topics: [topic] })
      assert.ok(offsets.every((t) => t.partitions.every((p) => p.offset === '-1')), `${g.groupId} committed offsets`)
    }
  })
})
