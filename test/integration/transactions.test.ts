/**
 * kafkajs transactions as exactly-once processing uses them: records plus the input offsets
 * (sendOffsets) committed atomically, an aborted transaction invisible to read_committed readers.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { brokerFixture, FAST_GROUP, uniqueName, waitFor } from '../helpers/kafka.ts'
import type { BrokerFixture } from '../helpers/kafka.ts'
import { readPartition } from '../helpers/read-partition.ts'
import { integrationServices } from '../helpers/services.ts'

const services = await integrationServices()

describe('transactions', () => {
  let broker: BrokerFixture
  before(async () => {
    if (!services.ready()) return
    broker = await brokerFixture()
  })
  after(() => broker?.cleanup())

  test('commit sends records + offsets atomically; an aborted transaction stays invisible', { skip: services.skip }, async () => {
    const input = uniqueName('txn-in')
    const output = uniqueName('txn-out')
    const appGroup = broker.trackGroup(uniqueName('txn-app'))
    await broker.createTopics([{ topic: input, numPartitions: 2 }, { topic: output, numPartitions: 1 }])

    const producer = broker.kafka.producer({ transactionalId: uniqueName('txn'), idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    broker.defer(() => producer.disconnect())
    const send = (values: string[]) => ({ topic: output, messages: values.map((value) => ({ key: value, value })) })

    const committed = await producer.transaction()
    await committed.send(send(['c1', 'c2']))
    await committed.sendOffsets({
      consumerGroupId: appGroup,
      topics: [{ topic: input, partitions: [{ partition: 0, offset: '5' }, { partition: 1, offset: '7' }] }],
    })
    await committed.commit()

    const aborted = await producer.transaction()
    await aborted.send(send(['a1', 'a2']))
    await aborted.abort()

    // A later commit puts committed data after the aborted records, so a reader that reached
    // c3 has passed them: the "nothing aborted seen" check below is not a race.
    const last = await producer.transaction()
    await last.send(send(['c3']))
    await last.commit()

    const readerGroup = broker.trackGroup(uniqueName('txn-reader'))
    const consumer = broker.kafka.consumer({ groupId: readerGroup, readUncommitted: false, ...FAST_GROUP })
    broker.defer(() => consumer.disconnect())
    const seen: string[] = []
    await consumer.connect()
    await consumer.subscribe({ topics: [output], fromBeginning: true })
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) })
    await waitFor('c3 at the read_committed consumer', () => seen.includes('c3'))
    assert.deepEqual(seen, ['c1', 'c2', 'c3'])

    // The log itself holds all five data records (plus markers); read_uncommitted shows them.
    const raw = await readPartition(broker.kafka, { topic: output, partition: 0, from: 0, readCommitted: false })
    assert.deepEqual(raw.records.map((r) => r.value?.toString()), ['c1', 'c2', 'a1', 'a2', 'c3'])

    const [offsets] = await broker.admin.fetchOffsets({ groupId: appGroup, topics: [input] })
    assert.deepEqual(offsets!.partitions.map((p) => [p.partition, p.offset]).sort(), [[0, '5'], [1, '7']])
  })
})
