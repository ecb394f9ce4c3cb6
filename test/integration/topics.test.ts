/** Topic administration the runtime depends on: partition counts, per-topic configs, compaction. */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import kafkajs from 'kafkajs'
import { brokerFixture, testProducer, uniqueName, waitFor } from '../helpers/kafka.ts'
import type { BrokerFixture } from '../helpers/kafka.ts'
import { readPartition } from '../helpers/read-partition.ts'
import { integrationServices } from '../helpers/services.ts'

// Not a named export Node can see: kafkajs' CJS export list defeats cjs-module-lexer past `logLevel`.
const { ConfigResourceTypes } = kafkajs
const services = await integrationServices()

describe('topics', () => {
  let broker: BrokerFixture
  before(async () => {
    if (!services.ready()) return
    broker = await brokerFixture()
  })
  after(() => broker?.cleanup())

  async function topicConfig(topic: string, name: string): Promise<string | undefined> {
    const { resources } = await broker.admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: [name] }],
      includeSynonyms: false,
    })
    return resources[0]?.configEntries.find((e) => e.configName === name)?.configValue
  }

  test('creates a plain and a compacted topic with chosen partition counts and describes them', { skip: services.skip }, async () => {
    const plain = uniqueName('plain')
    const compacted = uniqueName('compacted')
    await broker.createTopics([
      { topic: plain, numPartitions: 3 },
      { topic: compacted, numPartitions: 5, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    ])
    const { topics } = await broker.admin.fetchTopicMetadata({ topics: [plain, compacted] })
    const partitions = Object.fromEntries(topics.map((t) => [t.name, t.partitions.map((p) => p.partitionId).sort((a, b) => a - b)]))
    assert.deepEqual(partitions[plain], [0, 1, 2])
    assert.deepEqual(partitions[compacted], [0, 1, 2, 3, 4])
    assert.equal(await topicConfig(plain, 'cleanup.policy'), 'delete')
    assert.equal(await topicConfig(compacted, 'cleanup.policy'), 'compact')
  })

  test('the log cleaner compacts a compacted topic (only the latest value per key survives)', { skip: services.skip }, async () => {
    const topic = uniqueName('compaction')
    // Tiny segments and no dirty-ratio threshold, so the cleaner (backoff 1 s) has work at once.
    await broker.createTopics([{
      topic,
      numPartitions: 1,
      configEntries: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'segment.ms', value: '100' },
        { name: 'min.cleanable.dirty.ratio', value: '0.01' },
        { name: 'delete.retention.ms', value: '100' },
      ],
    }])
    const producer = testProducer(broker.kafka)
    await producer.connect()
    broker.defer(() => producer.disconnect())
    for (let v = 1; v <= 3; v++) {
      await producer.send({ topic, messages: [{ key: 'a', value: `a${v}` }, { key: 'b', value: `b${v}` }] })
    }
    // The active segment is never cleaned: roll it twice so the a/b records sit in closed segments.
    for (const roll of ['r1', 'r2']) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      await producer.send({ topic, messages: [{ key: roll, value: roll }] })
    }
    const survivors = await waitFor('the cleaner to compact keys a and b', async () => {
      const { records } = await readPartition(broker.kafka, { topic, partition: 0, from: 0 })
      const ab = records.filter((r) => r.key?.toString() === 'a' || r.key?.toString() === 'b')
      return ab.length === 2 ? ab.map((r) => r.value?.toString()) : undefined
    }, 60_000)
    assert.deepEqual(survivors, ['a3', 'b3'])
  })
})
