import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { UnknownTopicOrPartitionError, KafkaClientError } from '../../src/client/errors.ts'
import { murmur2Partition } from '../../src/client/murmur2.ts'
import { pollFor, recordingConsumer, str } from './embedded-helpers.ts'

test('produced records are consumed in offset order with key, value, timestamp and headers', async () => {
  const kafka = createEmbeddedKafka()
  await kafka.admin().createTopics([{ name: 'in', numPartitions: 1 }])
  const producer = kafka.producer({})
  await producer.connect()
  const meta = await producer.send([
    { topic: 'in', key: str('a'), value: str('1'), timestamp: 100, headers: { h: str('x') } },
    { topic: 'in', key: str('b'), value: null, timestamp: 200 },
  ])
  assert.deepEqual(meta, [
    { topic: 'in', partition: 0, offset: 0 },
    { topic: 'in', partition: 0, offset: 1 },
  ])
  const { consumer } = recordingConsumer(kafka, { groupId: 'g', topics: ['in'] })
  await consumer.connect()
  const records = await pollFor(consumer, 2)
  assert.equal(records.length, 2)
  assert.deepEqual(records.map((r) => [r.offset, r.key?.toString(), r.value?.toString() ?? null, r.timestamp]), [
    [0, 'a', '1', 100],
    [1, 'b', null, 200],
  ])
  assert.equal(records[0]!.headers['h']!.toString(), 'x')
  const ends = await kafka.admin().endOffsets([{ topic: 'in', partition: 0 }])
  assert.equal(ends.get('in:0'), 2)
  await consumer.close()
})

test('keyed records go to murmur2 partitions; explicit partitions are honoured; null keys spread', async () => {
  const kafka = createEmbeddedKafka()
  await kafka.admin().createTopics([{ name: 't', numPartitions: 4 }])
  const producer = kafka.producer({})
  await producer.connect()
  const keys = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta']
  const meta = await producer.send(keys.map((k) => ({ topic: 't', key: str(k), value: str(k), timestamp: 1 })))
  meta.forEach((m, i) => assert.equal(m.partition, murmur2Partition(str(keys[i]!), 4)))
  assert.equal(kafka.partitionFor(str('alpha'), 4), murmur2Partition(str('alpha'), 4))
  const [pinned] = await producer.send([{ topic: 't', partition: 3, key: str('alpha'), value: null, timestamp: 1 }])
  assert.equal(pinned!.partition, 3)
  const spread = await producer.send([0, 1, 2, 3].map(() => ({ topic: 't', key: null, value: str('v'), timestamp: 1 })))
  assert.deepEqual(new Set(spread.map((m) => m.partition)), new Set([0, 1, 2, 3]))
  await assert.rejects(producer.send([{ topic: 't', partition: 9, key: null, value: null, timestamp: 1 }]), UnknownTopicOrPartitionError)
})

test('topics are auto-created on produce with the default partition count, or refused when disabled', async () => {
  const kafka = createEmbeddedKafka({ defaultPartitions: 3 })
  const producer = kafka.producer({})
  await producer.connect()
  await producer.send([{ topic: 'auto', key: str('k'), value: str('v'), timestamp: 1 }])
  assert.equal((await kafka.admin().describeTopics(['auto'])).get('auto')?.numPartitions, 3)

  const strict = createEmbeddedKafka({ autoCreateTopics: false })
  const p2 = strict.producer({})
  await p2.connect()
  await assert.rejects(p2.send([{ topic: 'nope', key: null, value: null, timestamp: 1 }]), UnknownTopicOrPartitionError)
})

test('poll waits for the timeout when idle instead of spinning, and wakes as soon as records arrive', async () => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('idle', 1)
  const { consumer } = recordingConsumer(kafka, { groupId: 'g', topics: ['idle'] })
  await consumer.connect()
  await consumer.poll(10) // completes the join
  let started = Date.now()
  assert.deepEqual(await consumer.poll(150), [])
  assert.ok(Date.now() - started >= 140, 'an empty poll waits for its timeout')

  const producer = kafka.producer({})
  await producer.connect()
  started = Date.now()
  setTimeout(() => void producer.send([{ topic: 'idle', key: null, value: str('late'), timestamp: 5 }]), 30)
  const records = await consumer.poll(5000)
  assert.equal(records.length, 1)
  assert.ok(Date.now() - started < 1000, 'a produce wakes the waiting poll')
  await consumer.close()
})

test('poll returns at most maxPollRecords as one array', async () => {
  const kafka = createEmbeddedKafka({ maxPollRecords: 7 })
  kafka.createTopic('many', 2)
  const producer = kafka.producer({})
  await producer.connect()
  await producer.send(Array.from({ length: 40 }, (_, i) => ({ topic: 'many', partition: i % 2, key: null, value: str(String(i)), timestamp: i })))
  const { consumer } = recordingConsumer(kafka, { groupId: 'g', topics: ['many'] })
  await consumer.connect()
  const sizes: number[] = []
  let total = 0
  while (total < 40) {
    const batch = await consumer.poll(50)
    sizes.push(batch.length)
    total += batch.length
  }
  assert.ok(sizes.every((s) => s <= 7), `sizes ${sizes}`)
  const { consumer: small } = recordingConsumer(kafka, { groupId: 'g2', topics: ['many'], maxPollRecords: 3 })
  await small.connect()
  assert.equal((await small.poll(50)).length, 3)
  await consumer.close()
  await small.close()
})

test('committed offsets are where a group resumes; autoOffsetReset applies without them', async () => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('t', 1)
  const producer = kafka.producer({})
  await producer.connect()
  await producer.send(['a', 'b', 'c', 'd'].map((v, i) => ({ topic: 't', key: null, value: str(v), timestamp: i })))

  const first = recordingConsumer(kafka, { groupId: 'g', topics: ['t'] }).consumer
  await first.connect()
  const got = await pollFor(first, 4)
  assert.equal(got.length, 4)
  await first.commit([{ topic: 't', partition: 0, offset: 2 }])
  assert.equal((await first.committed([{ topic: 't', partition: 0 }])).get('t:0'), 2)
  await first.close()

  const again = recordingConsumer(kafka, { groupId: 'g', topics: ['t'] }).consumer
  await again.connect()
  assert.deepEqual((await pollFor(again, 2)).map((r) => r.value?.toString()), ['c', 'd'])
  await again.close()

  const latest = recordingConsumer(kafka, { groupId: 'fresh', topics: ['t'], autoOffsetReset: 'latest' }).consumer
  await latest.connect()
  assert.deepEqual(await latest.poll(30), [])
  await producer.send([{ topic: 't', key: null, value: str('e'), timestamp: 9 }])
  assert.deepEqual((await pollFor(latest, 1)).map((r) => r.value?.toString()), ['e'])
  assert.equal((await kafka.admin().committedOffsets('g', [{ topic: 't', partition: 0 }])).get('t:0'), 2)
  await latest.close()
})

test('pause stops a partition, resume restarts it, seek moves the position', async () => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('t', 2)
  const producer = kafka.producer({})
  await producer.connect()
  const { consumer } = recordingConsumer(kafka, { groupId: 'g', topics: ['t'] })
  await consumer.connect()
  assert.deepEqual(await consumer.poll(10), []) // joins; nothing produced yet
  await producer.send([
    { topic: 't', partition: 0, key: null, value: str('p0-a'), timestamp: 1 },
    { topic: 't', partition: 1, key: null, value: str('p1-a'), timestamp: 1 },
    { topic: 't', partition: 0, key: null, value: str('p0-b'), timestamp: 2 },
  ])
  assert.throws(() => consumer.seek({ topic: 'other', partition: 0, offset: 0 }), KafkaClientError)
  consumer.pause([{ topic: 't', partition: 0 }])
  const whilePaused = await pollFor(consumer, 1, 200)
  assert.deepEqual(whilePaused.map((r) => r.value?.toString()), ['p1-a'])
  assert.deepEqual(await consumer.poll(30), [])
  consumer.resume([{ topic: 't', partition: 0 }])
  assert.deepEqual((await pollFor(consumer, 2)).map((r) => r.value?.toString()), ['p0-a', 'p0-b'])
  consumer.seek({ topic: 't', partition: 0, offset: 1 })
  assert.deepEqual((await pollFor(consumer, 1)).map((r) => r.value?.toString()), ['p0-b'])
  await consumer.close()
  await assert.rejects(consumer.poll(10))
})

test('admin creates, describes and deletes topics; createTopics leaves existing ones alone', async () => {
  const kafka = createEmbeddedKafka()
  const admin = kafka.admin()
  await admin.createTopics([{ name: 'c', numPartitions: 2, config: { 'cleanup.policy': 'compact' } }])
  await admin.createTopics([{ name: 'c', numPartitions: 5 }])
  const d = (await admin.describeTopics(['c', 'missing']))
  assert.deepEqual(d.get('c'), { name: 'c', numPartitions: 2, config: { 'cleanup.policy': 'compact' } })
  assert.equal(d.has('missing'), false)
  await admin.deleteTopics(['c'])
  assert.equal((await admin.describeTopics(['c'])).size, 0)
  await assert.rejects(admin.createTopics([{ name: 'bad', numPartitions: 0 }]))
})
