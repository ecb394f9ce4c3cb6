import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Kafka, logLevel } from 'kafkajs'
import { withTransactionCoordinatorCache } from '../../../src/client/kafkajs/coordinator-cache.ts'
import { brokers, skip, unique } from './helpers.ts'

describe('kafkajs adapter: transaction coordinator cache', () => {
  it('without kafkajs 2.2’s private cluster factory it only creates the producer, and caches nothing', () => {
    const { created, cache } = withTransactionCoordinatorCache({} as Kafka, () => 'made')
    assert.equal(created, 'made')
    cache.enable()
    cache.invalidate()
  })

  it('on the broker: a transaction coordinator looked up once serves every later commit, until invalidated', { skip }, async () => {
    const kafka = new Kafka({ brokers, clientId: unique('coordinator-cache'), logLevel: logLevel.NOTHING })
    const admin = kafka.admin()
    const topic = unique('coordinator-cache')
    const group = unique('coordinator-cache-group')
    await admin.connect()
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] })
    const { created: producer, cache } = withTransactionCoordinatorCache(kafka, () =>
      kafka.producer({ transactionalId: unique('coordinator-cache-tx'), idempotent: true, maxInFlightRequests: 1 }),
    )
    const requests: string[] = []
    producer.on(producer.events.REQUEST, (event) => void requests.push(event.payload.apiName))
    const count = (api: string) => requests.filter((r) => r === api).length
    const transact = async (offset: number) => {
      const transaction = await producer.transaction()
      await transaction.send({ topic, messages: [{ key: 'k', value: String(offset) }] })
      await transaction.sendOffsets({ consumerGroupId: group, topics: [{ topic, partitions: [{ partition: 0, offset: String(offset) }] }] })
      await transaction.commit()
    }
    try {
      await producer.connect()
      await transact(0) // initialises the producer id, uncached
      cache.enable()
      requests.length = 0
      const commits = 6
      for (let i = 1; i <= commits; i++) await transact(i)
      // Without the cache: 4 lookups per cycle (AddPartitionsToTxn, AddOffsetsToTxn, the group's
      // for TxnOffsetCommit, EndTxn). With it: the group's each time, the transaction
      // coordinator's once, and once more after each metadata refresh (kafkajs refreshes on a
      // retried send, e.g. CONCURRENT_TRANSACTIONS right after the previous commit).
      assert.equal(count('EndTxn'), commits)
      assert.ok(
        count('GroupCoordinator') <= commits + 1 + count('Metadata'),
        `${count('GroupCoordinator')} lookups for ${commits} commits and ${count('Metadata')} metadata refreshes`,
      )
      assert.ok(count('GroupCoordinator') < 4 * commits)

      // Invalidated (as after any failed call), the next cycle looks it up again.
      requests.length = 0
      cache.invalidate()
      await transact(commits + 1)
      assert.ok(count('GroupCoordinator') >= 2, `${count('GroupCoordinator')} lookups after invalidate()`)
    } finally {
      await producer.disconnect()
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined)
      await admin.deleteGroups([group]).catch(() => undefined)
      await admin.disconnect()
    }
  })
})
