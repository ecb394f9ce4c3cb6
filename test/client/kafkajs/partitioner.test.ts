import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Partitioners } from 'kafkajs'
import { createKafkaJsClient } from '../../../src/client/kafkajs/kafkajs-client.ts'

test("partitionFor agrees with kafkajs 2.x's DefaultPartitioner (the Java client's murmur2)", () => {
  const client = createKafkaJsClient({ brokers: ['127.0.0.1:9092'] })
  const kafkajs = Partitioners.DefaultPartitioner()
  for (const numPartitions of [1, 3, 12, 100]) {
    const partitionMetadata = Array.from({ length: numPartitions }, (_, partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }))
    for (let i = 0; i < 300; i++) {
      const key = Buffer.from(i % 3 === 0 ? `key-${i}` : `${'x'.repeat(i % 17)}${i}\u00e9`)
      const expected = kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } })
      assert.equal(client.partitionFor(key, numPartitions), expected, `key ${key.toString()} over ${numPartitions}`)
    }
  }
})
