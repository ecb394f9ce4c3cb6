import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
// kafkajs-client.ts installs the linear grouping before it loads kafkajs.
import '../../../src/client/kafkajs/kafkajs-client.ts'
import { groupMessagesPerPartition, linearGroupingInstalled } from '../../../src/client/kafkajs/linear-grouping.ts'

const require = createRequire(import.meta.url)
const path = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js')

/** kafkajs's own implementation, compiled from its file (the require cache holds ours). */
function kafkajsOriginal(): typeof groupMessagesPerPartition {
  const module = { exports: undefined as unknown }
  new Function('module', readFileSync(path, 'utf8'))(module)
  return module.exports as typeof groupMessagesPerPartition
}

test('kafkajs producers use the linear grouping when kstreams loads kafkajs', () => {
  assert.equal(linearGroupingInstalled, true)
  assert.equal(require(path), groupMessagesPerPartition)
  assert.equal(require.cache[path]?.exports, groupMessagesPerPartition)
})

test("the linear grouping gives kafkajs's result: partitions in order, messages in send order", () => {
  const original = kafkajsOriginal()
  assert.notEqual(original, groupMessagesPerPartition)
  for (const partitions of [0, 1, 3, 12]) {
    const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId }))
    const messages = Array.from({ length: 500 }, (_, i) => ({ key: `k${(i * 7919) % 101}`, value: `v${i}` }))
    const partitioner = ({ message }: { message: { key: string } }) => Number(message.key.slice(1)) % partitions
    const expected = original({ topic: 't', partitionMetadata, messages, partitioner })
    const actual = groupMessagesPerPartition({ topic: 't', partitionMetadata, messages, partitioner })
    assert.deepEqual(actual, expected)
    assert.deepEqual(Object.keys(actual), Object.keys(expected))
  }
})
