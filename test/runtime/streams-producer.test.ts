// The shared at-least-once producer is replaced after a failed send (its idempotent sequence
// numbers may be out of step with the broker's after a broker kill).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { KafkaClientError } from '../../src/client/errors.ts'
import type { KafkaClient, Producer, ProducerConfig } from '../../src/client/port.ts'
import { StreamsProducer } from '../../src/runtime/streams-producer.ts'

/**
 * Producers like kafkajs's idempotent one after a send cut off by a broker kill: once `cut` sends
 * failed on a producer, that producer's every later send fails with OUT_OF_ORDER_SEQUENCE_NUMBER;
 * a new producer (a new producer id) works.
 */
function sequenceBreakingClient() {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('out', 1)
  let cut = 1
  const created: string[] = []
  const client: KafkaClient = Object.assign(Object.create(kafka) as KafkaClient, {
    producer(config: ProducerConfig): Producer {
      const inner = kafka.producer(config)
      const id = `producer-${created.length}`
      created.push(id)
      let broken = false
      return {
        ...inner,
        connect: () => inner.connect(),
        close: () => inner.close(),
        send: (records) => {
          if (cut > 0) {
            cut--
            broken = true
            return Promise.reject(new KafkaClientError(`send (${id}): Closed connection`, { retriable: true }))
          }
          if (broken) return Promise.reject(new KafkaClientError(`send (${id}): The broker received an out of order sequence number (OUT_OF_ORDER_SEQUENCE_NUMBER)`, { retriable: true }))
          return inner.send(records)
        },
      }
    },
  })
  return { kafka, client, created }
}

const record = (value: string) => ({ topic: 'out', key: Buffer.from('k'), value: Buffer.from(value), timestamp: 1 })

test('after a failed send the at-least-once producer sends through a new producer', async () => {
  const { kafka, client, created } = sequenceBreakingClient()
  const producer = new StreamsProducer(client)
  await producer.connect()
  await assert.rejects(producer.send([record('a')]), /Closed connection/)
  // The tasks reprocess from their last commit and send again: through a fresh producer.
  await producer.send([record('a')])
  await producer.send([record('b')])
  assert.deepEqual(created, ['producer-0', 'producer-1'])
  assert.deepEqual(kafka.records('out').map((r) => r.value!.toString()), ['a', 'b'])
  await producer.close()
})

test('tasks sending at the same time after a failure share one new producer', async () => {
  const { kafka, client, created } = sequenceBreakingClient()
  const producer = new StreamsProducer(client)
  await producer.connect()
  await assert.rejects(producer.send([record('a')]), /Closed connection/)
  await Promise.all([producer.send([record('a')]), producer.send([record('b')]), producer.send([record('c')])])
  assert.deepEqual(created, ['producer-0', 'producer-1'])
  assert.deepEqual(kafka.records('out').map((r) => r.value!.toString()).sort(), ['a', 'b', 'c'])
  await producer.close()
})
