import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Kafka } from 'kafkajs'
import { ProducerFencedError, TransactionCommitAmbiguousError } from '../../../src/client/errors.ts'
import { KafkaJsProducer } from '../../../src/client/kafkajs/producer.ts'
import { murmur2Partition } from '../../../src/client/murmur2.ts'

/** kafkajs's retrier wraps the broker's answer: a non-retriable wrapper whose cause has the protocol type. */
function kafkaJsError(type: string | undefined, name = 'KafkaJSProtocolError'): Error {
  const cause = Object.assign(new Error(type ?? 'Connection timeout'), { name, ...(type ? { type } : {}) })
  return Object.assign(new Error(cause.message), { name: 'KafkaJSNonRetriableError', cause })
}

type Partitioner = (args: { topic: string; partitionMetadata: Array<{ partitionId: number; leader: number }>; message: { key?: Buffer | null; partition?: number } }) => number

/** A kafkajs stand-in that records calls and fails where a test tells it to. */
function fakeKafka(behaviour: { commit?: () => Promise<void> } = {}) {
  const calls: string[] = []
  let partitioner: Partitioner | undefined
  const partitionMetadata = [0, 1, 2].map((partitionId) => ({ partitionId, leader: 1 }))
  const sendBatch = async ({ topicMessages }: { topicMessages: Array<{ topic: string; messages: Array<{ key?: Buffer | null }> }> }) => {
    calls.push('sendBatch')
    const counts = new Map<string, number>()
    for (const { topic, messages } of topicMessages) {
      for (const message of messages) {
        // kafkajs asks the partitioner again on every retry of a request.
        const p = partitioner!({ topic, partitionMetadata, message })
        assert.equal(partitioner!({ topic, partitionMetadata, message }), p, 'a retry keeps the partition')
        counts.set(`${topic}:${p}`, (counts.get(`${topic}:${p}`) ?? 0) + 1)
      }
    }
    return [...counts.keys()].map((key) => {
      const [topicName, partition] = key.split(':')
      return { topicName: topicName!, partition: Number(partition), errorCode: 0, baseOffset: String(100 * Number(partition)) }
    })
  }
  const kafka = {
    producer(options: { createPartitioner: () => Partitioner; transactionalId?: string; idempotent?: boolean; maxInFlightRequests?: number }) {
      partitioner = options.createPartitioner()
      calls.push(`producer idempotent=${options.idempotent} maxInFlight=${options.maxInFlightRequests} txn=${options.transactionalId}`)
      return {
        connect: async () => void calls.push('connect'),
        disconnect: async () => void calls.push('disconnect'),
        sendBatch,
        transaction: async () => {
          calls.push('transaction')
          return {
            sendBatch,
            sendOffsets: async () => void calls.push('sendOffsets'),
            abort: async () => void calls.push('abort'),
            commit: async () => {
              calls.push('commit')
              await behaviour.commit?.()
            },
          }
        },
      }
    },
  }
  return { kafka: kafka as unknown as Kafka, calls }
}

const options = { transactionTimeout: 60_000, idempotent: true }

test('a transactional producer is idempotent with one request in flight and initialises its id on connect', async () => {
  const { kafka, calls } = fakeKafka()
  const producer = new KafkaJsProducer(kafka, { transactionalId: 'app-0_1' }, options)
  await producer.connect()
  assert.deepEqual(calls, ['producer idempotent=true maxInFlight=1 txn=app-0_1', 'connect', 'transaction', 'abort'])
})

test('per-record results from per-partition base offsets, keys placed by murmur2', async () => {
  const { kafka, calls } = fakeKafka()
  const producer = new KafkaJsProducer(kafka, {}, options)
  await producer.connect()
  assert.deepEqual(calls, ['producer idempotent=true maxInFlight=1 txn=undefined', 'connect'], 'idempotent by default, no transaction')
  const key = (s: string) => Buffer.from(s)
  const results = await producer.send([
    { topic: 't', key: key('a'), value: null, timestamp: 1 },
    { topic: 't', key: key('b'), value: null, timestamp: 1 },
    { topic: 't', key: key('a'), value: null, timestamp: 1 },
    { topic: 't', partition: 2, key: null, value: null, timestamp: 1 },
    { topic: 't', key: null, value: null, timestamp: 1 },
  ])
  const pa = murmur2Partition(key('a'), 3)
  const pb = murmur2Partition(key('b'), 3)
  assert.deepEqual(results.slice(0, 3), [
    { topic: 't', partition: pa, offset: 100 * pa },
    { topic: 't', partition: pb, offset: 100 * pb + (pb === pa ? 1 : 0) },
    { topic: 't', partition: pa, offset: 100 * pa + (pb === pa ? 2 : 1) },
  ])
  assert.equal(results[3]!.partition, 2)
  assert.ok(results.every((r) => r.offset >= 0))
})

test('after an ambiguous commit the producer never aborts and refuses further use', async () => {
  const { kafka, calls } = fakeKafka({ commit: () => Promise.reject(kafkaJsError(undefined, 'KafkaJSRequestTimeoutError')) })
  const producer = new KafkaJsProducer(kafka, { transactionalId: 'app-0_2' }, options)
  await producer.connect()
  await producer.beginTransaction()
  await producer.send([{ topic: 't', partition: 0, key: null, value: null, timestamp: 1 }])
  await assert.rejects(producer.commitTransaction(), TransactionCommitAmbiguousError)
  await assert.rejects(producer.abortTransaction(), TransactionCommitAmbiguousError)
  await assert.rejects(producer.beginTransaction(), TransactionCommitAmbiguousError)
  await assert.rejects(producer.send([]), TransactionCommitAmbiguousError)
  assert.equal(calls.filter((c) => c === 'abort').length, 1, 'only the empty transaction of connect() was aborted')
})

test('a fenced commit raises ProducerFencedError, then every call does', async () => {
  const { kafka } = fakeKafka({ commit: () => Promise.reject(kafkaJsError('INVALID_PRODUCER_EPOCH')) })
  const producer = new KafkaJsProducer(kafka, { transactionalId: 'app-0_3' }, options)
  await producer.connect()
  await producer.beginTransaction()
  await assert.rejects(producer.commitTransaction(), ProducerFencedError)
  await assert.rejects(producer.beginTransaction(), ProducerFencedError)
})
