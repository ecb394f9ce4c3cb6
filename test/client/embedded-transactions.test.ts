import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { InvalidTransactionStateError, ProducerFencedError } from '../../src/client/errors.ts'
import { pollFor, recordingConsumer, str } from './embedded-helpers.ts'

const values = (records: { value: Buffer | null }[]) => records.map((r) => r.value?.toString() ?? null)

test('transactional records are invisible to read_committed until commit, visible at once to read_uncommitted', async () => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('out', 1)
  const producer = kafka.producer({ transactionalId: 'tx-1' })
  await producer.connect()
  await producer.beginTransaction()
  await producer.send([{ topic: 'out', key: str('k'), value: str('v1'), timestamp: 1 }])

  const committed = recordingConsumer(kafka, { groupId: 'rc', topics: ['out'], isolationLevel: 'read_committed' }).consumer
  const uncommitted = recordingConsumer(kafka, { groupId: 'ru', topics: ['out'], isolationLevel: 'read_uncommitted' }).consumer
  await committed.connect()
  await uncommitted.connect()
  assert.deepEqual(values(await pollFor(uncommitted, 1)), ['v1'])
  assert.deepEqual(await committed.poll(50), [])

  // A non-transactional record written after the open transaction is held back too (the LSO).
  const plain = kafka.producer({})
  await plain.connect()
  await plain.send([{ topic: 'out', key: null, value: str('plain'), timestamp: 2 }])
  assert.deepEqual(await committed.poll(30), [])

  await producer.commitTransaction()
  assert.deepEqual(values(await pollFor(committed, 2)), ['v1', 'plain'])
  // The commit marker took an offset: the high watermark is past the last record.
  assert.equal((await kafka.admin().endOffsets([{ topic: 'out', partition: 0 }])).get('out:0'), 3)
  await committed.close()
  await uncommitted.close()
})

test('an aborted transaction is dropped for read_committed but still seen by read_uncommitted', async () => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('out', 2)
  const producer = kafka.producer({ transactionalId: 'tx' })
  await producer.connect()
  await producer.beginTransaction()
  await producer.send([
    { topic: 'out', partition: 0, key: str('a'), value: str('aborted-0'), timestamp: 1 },
    { topic: 'out', partition: 1, key: str('b'), value: str('aborted-1'), timestamp: 1 },
  ])
  await producer.abortTransaction()
  await producer.beginTransaction()
  await producer.send([{ topic: 'out', partition: 0, key: str('a'), value: str('kept'), timestamp: 2 }])
  await producer.commitTransaction()

  assert.deepEqual(values(kafka.records('out', { isolationLevel: 'read_committed' })), ['kept'])
  assert.deepEqual(values(kafka.records('out')).sort(), ['aborted-0', 'aborted-1', 'kept'])
  const c = recordingConsumer(kafka, { groupId: 'g', topics: ['out'], isolationLevel: 'read_committed' }).consumer
  await c.connect()
  assert.deepEqual(values(await pollFor(c, 1)), ['kept'])
  assert.deepEqual(await c.poll(30), [])
  await c.close()

  const reader = kafka.partitionReader({ isolationLevel: 'read_committed' })
  const read: string[] = []
  for await (const batch of reader.read({ topic: 'out', partition: 0 }, 0, 10)) read.push(...values(batch).map(String))
  assert.deepEqual(read, ['kept'])
})

test('sendOffsets commits the group offsets atomically with the transaction', async () => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('in', 1)
  kafka.createTopic('out', 1)
  const producer = kafka.producer({ transactionalId: 'app-0_0' })
  await producer.connect()
  const offsets = [{ topic: 'in', partition: 0, offset: 42 }]

  await producer.beginTransaction()
  await producer.send([{ topic: 'out', key: str('k'), value: str('x'), timestamp: 1 }])
  await producer.sendOffsets('app', offsets)
  assert.equal((await kafka.admin().committedOffsets('app', offsets)).size, 0, 'not committed before the transaction')
  await producer.abortTransaction()
  assert.equal((await kafka.admin().committedOffsets('app', offsets)).size, 0, 'abort drops the offsets')

  await producer.beginTransaction()
  await producer.sendOffsets('app', offsets)
  await producer.commitTransaction()
  assert.equal((await kafka.admin().committedOffsets('app', offsets)).get('in:0'), 42)
})

test('a second producer with the same transactional id fences the first and aborts its open transaction', async () => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('out', 1)
  const zombie = kafka.producer({ transactionalId: 'app-0_1' })
  await zombie.connect()
  await zombie.beginTransaction()
  await zombie.send([{ topic: 'out', key: str('k'), value: str('zombie'), timestamp: 1 }])

  const successor = kafka.producer({ transactionalId: 'app-0_1' })
  await successor.connect()
  await assert.rejects(zombie.send([{ topic: 'out', key: str('k'), value: str('late'), timestamp: 2 }]), ProducerFencedError)
  await assert.rejects(zombie.commitTransaction(), ProducerFencedError)
  await assert.rejects(zombie.beginTransaction(), ProducerFencedError)

  await successor.beginTransaction()
  await successor.send([{ topic: 'out', key: str('k'), value: str('successor'), timestamp: 3 }])
  await successor.commitTransaction()
  assert.deepEqual(values(kafka.records('out', { isolationLevel: 'read_committed' })), ['successor'])
})

test('transactional misuse is rejected', async () => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('out', 1)
  const tx = kafka.producer({ transactionalId: 't' })
  await tx.connect()
  await assert.rejects(tx.send([{ topic: 'out', key: null, value: null, timestamp: 1 }]), InvalidTransactionStateError)
  await assert.rejects(tx.commitTransaction(), InvalidTransactionStateError)
  await tx.beginTransaction()
  await assert.rejects(tx.beginTransaction(), InvalidTransactionStateError)
  const plain = kafka.producer({})
  await plain.connect()
  await assert.rejects(plain.beginTransaction(), InvalidTransactionStateError)
})

test('a transaction older than the timeout is aborted and its producer fenced', async () => {
  const kafka = createEmbeddedKafka({ transactionTimeoutMs: 50 })
  kafka.createTopic('out', 1)
  const producer = kafka.producer({ transactionalId: 'slow' })
  await producer.connect()
  await producer.beginTransaction()
  await producer.send([{ topic: 'out', key: str('k'), value: str('v'), timestamp: 1 }])
  await new Promise((r) => setTimeout(r, 120))
  await assert.rejects(producer.commitTransaction(), ProducerFencedError)
  assert.deepEqual(kafka.records('out', { isolationLevel: 'read_committed' }), [])
  assert.equal(kafka.log('out', 0)!.lastStableOffset, kafka.log('out', 0)!.highWatermark)
})
