import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { murmur2Partition } from '../../src/client/murmur2.ts'
import { ProducerRecordCollector } from '../../src/runtime/producer-record-collector.ts'
import { StreamsProducer } from '../../src/runtime/streams-producer.ts'

async function setup(maxBuffered?: number) {
  const kafka = createEmbeddedKafka({ autoCreateTopics: false })
  kafka.createTopic('out', 5)
  const producer = new StreamsProducer(kafka)
  await producer.connect()
  const collector = new ProducerRecordCollector({
    producer,
    partitions: (topic) => (topic === 'out' ? 5 : undefined),
    partitionFor: (key, n) => kafka.partitionFor(key, n),
    ...(maxBuffered ? { maxBuffered } : {}),
  })
  return { kafka, collector }
}

test('send only buffers; flush ships in order with murmur2 partitions and remembers the written offsets', async () => {
  const { kafka, collector } = await setup()
  const keys = ['a', 'b', 'c', 'a', 'a']
  keys.forEach((k, i) => collector.send({ topic: 'out', key: Buffer.from(k), value: Buffer.from(String(i)), timestamp: i }))
  collector.send({ topic: 'out', partition: 4, key: Buffer.from('a'), value: Buffer.from('pinned'), timestamp: 9 })
  assert.equal(kafka.records('out').length, 0)
  assert.equal(collector.buffered, 6)
  await collector.flush()
  assert.equal(collector.buffered, 0)
  const pa = murmur2Partition(Buffer.from('a'), 5)
  assert.deepEqual(kafka.records('out', { partition: pa }).filter((r) => r.key!.toString() === 'a' && r.value!.toString() !== 'pinned').map((r) => r.value!.toString()), ['0', '3', '4'])
  assert.equal(kafka.records('out', { partition: 4 }).at(-1)!.value!.toString(), 'pinned')
  assert.equal(collector.lastWrittenOffset('out', 4), kafka.log('out', 4)!.highWatermark - 1)
  if (pa !== 4) assert.equal(collector.lastWrittenOffset('out', pa), 2)
})

test('a full buffer ships without waiting for the round to end', async () => {
  const { kafka, collector } = await setup(3)
  for (let i = 0; i < 7; i++) collector.send({ topic: 'out', partition: 0, key: null, value: Buffer.from(String(i)), timestamp: i })
  assert.equal(collector.buffered, 1)
  await collector.flush()
  assert.deepEqual(kafka.records('out').map((r) => r.value!.toString()), ['0', '1', '2', '3', '4', '5', '6'])
})

test('a failed send surfaces at flush, never inside processing: later sends are dropped and `failed` asks for a commit; discard drops the buffer', async () => {
  const { collector } = await setup()
  collector.send({ topic: 'missing', key: null, value: null, timestamp: 1 })
  assert.equal(collector.failed, false)
  await assert.rejects(collector.flush(), /does not exist/)
  assert.equal(collector.failed, true)
  collector.send({ topic: 'out', key: null, value: null, timestamp: 1 })
  assert.equal(collector.buffered, 0)
  await assert.rejects(collector.flush(), /does not exist/)
  const { kafka, collector: other } = await setup()
  other.send({ topic: 'out', key: null, value: null, timestamp: 1 })
  other.discard()
  await other.flush()
  assert.equal(kafka.records('out').length, 0)
})

test('records given a partition keep their headers; written offsets are tracked per topic and partition across interleaved topics', async () => {
  const kafka = createEmbeddedKafka({ autoCreateTopics: false })
  kafka.createTopic('out', 3)
  kafka.createTopic('changelog', 3)
  const producer = new StreamsProducer(kafka)
  await producer.connect()
  const collector = new ProducerRecordCollector({
    producer,
    partitions: (topic) => (topic === 'out' ? 3 : undefined),
    partitionFor: (key, n) => kafka.partitionFor(key, n),
  })
  for (let i = 0; i < 6; i++) {
    collector.send({ topic: 'out', key: Buffer.from(`k${i}`), value: Buffer.from('v'), timestamp: i, headers: { h: Buffer.from(`x${i}`) } })
    collector.send({ topic: 'changelog', partition: i % 2, key: Buffer.from(`k${i}`), value: Buffer.from('c'), timestamp: i })
  }
  await collector.flush()
  const out = kafka.records('out')
  assert.equal(out.length, 6)
  for (const r of out) {
    assert.equal(r.partition, murmur2Partition(r.key!, 3))
    assert.equal(r.headers.h!.toString(), `x${r.key!.toString().slice(1)}`)
  }
  assert.equal(collector.lastWrittenOffset('changelog', 0), 2)
  assert.equal(collector.lastWrittenOffset('changelog', 1), 2)
  assert.equal(collector.lastWrittenOffset('changelog', 2), undefined)
  for (let p = 0; p < 3; p++) {
    const end = kafka.log('out', p)!.highWatermark
    assert.equal(collector.lastWrittenOffset('out', p), end === 0 ? undefined : end - 1)
  }
  assert.equal(collector.lastWrittenOffset('other', 0), undefined)
})
