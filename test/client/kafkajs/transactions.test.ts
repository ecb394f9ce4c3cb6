import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { InvalidTransactionStateError, ProducerFencedError } from '../../../src/client/errors.ts'
import type { Consumer, ConsumerRecord } from '../../../src/client/port.ts'
import { recordingConsumer } from '../embedded-helpers.ts'
import { ready, skip, str, testClient, unique, values, withTopics } from './helpers.ts'

/** Everything a consumer gets within `ms` (used to show that nothing arrives). */
async function drain(consumer: Consumer, ms: number): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = []
  const deadline = Date.now() + ms
  while (Date.now() < deadline) out.push(...(await consumer.poll(100)))
  return out
}

async function pollCount(consumer: Consumer, count: number, ms = 10_000): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = []
  const deadline = Date.now() + ms
  while (out.length < count && Date.now() < deadline) out.push(...(await consumer.poll(100)))
  return out
}

describe('kafkajs adapter: transactions', () => {
  const client = testClient()
  const out = unique('tx-out')
  const out2 = unique('tx-out2')
  const input = unique('tx-in')
  let dropTopics: () => Promise<void> = async () => {}

  before(async () => {
    if (!ready()) return
    dropTopics = await withTopics(client, [
      { name: out, numPartitions: 1 },
      { name: out2, numPartitions: 2 },
      { name: input, numPartitions: 1 },
    ])
  })

  after(async () => {
    await client.closeAll()
    await dropTopics()
  })

  it('transactional records reach read_committed consumers at commit, read_uncommitted ones at once', { skip }, async () => {
    const producer = client.producer({ transactionalId: unique('tx') })
    await producer.connect()
    await producer.beginTransaction()
    const [sent] = await producer.send([{ topic: out, key: str('k'), value: str('v1'), timestamp: 1 }])
    assert.deepEqual(sent, { topic: out, partition: 0, offset: 0 })

    const committed = recordingConsumer(client, { groupId: unique('rc'), topics: [out], isolationLevel: 'read_committed' }).consumer
    const uncommitted = recordingConsumer(client, { groupId: unique('ru'), topics: [out], isolationLevel: 'read_uncommitted' }).consumer
    await Promise.all([committed.connect(), uncommitted.connect()])
    assert.deepEqual(values(await pollCount(uncommitted, 1)), ['v1'])

    // A plain record written after the open transaction is held back too (the last stable offset).
    const plain = client.producer({})
    await plain.connect()
    await plain.send([{ topic: out, key: null, value: str('plain'), timestamp: 2 }])
    assert.deepEqual(await drain(committed, 1500), [])

    await producer.commitTransaction()
    assert.deepEqual(values(await pollCount(committed, 2)), ['v1', 'plain'])
    // The commit marker took an offset: the high watermark is past the last record.
    const admin = client.admin()
    assert.equal((await admin.endOffsets([{ topic: out, partition: 0 }])).get(`${out}:0`), 3)
    await admin.close()
    await Promise.all([committed.close(), uncommitted.close(), producer.close(), plain.close()])
  })

  it('an aborted transaction is dropped for read_committed but still seen by read_uncommitted', { skip }, async () => {
    const producer = client.producer({ transactionalId: unique('tx') })
    await producer.connect()
    await producer.beginTransaction()
    await producer.send([
      { topic: out2, partition: 0, key: str('a'), value: str('aborted-0'), timestamp: 1 },
      { topic: out2, partition: 1, key: str('b'), value: str('aborted-1'), timestamp: 1 },
    ])
    await producer.abortTransaction()
    await producer.beginTransaction()
    await producer.send([{ topic: out2, partition: 0, key: str('a'), value: str('kept'), timestamp: 2 }])
    await producer.commitTransaction()
    await producer.close()

    const rc = recordingConsumer(client, { groupId: unique('rc'), topics: [out2], isolationLevel: 'read_committed' }).consumer
    const ru = recordingConsumer(client, { groupId: unique('ru'), topics: [out2], isolationLevel: 'read_uncommitted' }).consumer
    await Promise.all([rc.connect(), ru.connect()])
    assert.deepEqual(values(await pollCount(rc, 1)), ['kept'])
    assert.deepEqual(await drain(rc, 500), [])
    assert.deepEqual(values(await pollCount(ru, 3)).sort(), ['aborted-0', 'aborted-1', 'kept'])
    await Promise.all([rc.close(), ru.close()])

    const reader = client.partitionReader({ isolationLevel: 'read_committed' })
    const read: Array<string | null> = []
    for await (const batch of reader.read({ topic: out2, partition: 0 }, 0, 10)) read.push(...values(batch))
    assert.deepEqual(read, ['kept'])
    await reader.close()
  })

  it('sendOffsets commits the group offsets atomically with the transaction', { skip }, async () => {
    const producer = client.producer({ transactionalId: unique('app-0_0') })
    await producer.connect()
    const groupId = unique('app')
    const offsets = [{ topic: input, partition: 0, offset: 42 }]
    const admin = client.admin()

    await producer.beginTransaction()
    await producer.send([{ topic: out, key: str('k'), value: str('x'), timestamp: 1 }])
    await producer.sendOffsets(groupId, offsets)
    assert.equal((await admin.committedOffsets(groupId, offsets)).size, 0, 'not committed before the transaction')
    await producer.abortTransaction()
    assert.equal((await admin.committedOffsets(groupId, offsets)).size, 0, 'abort drops the offsets')

    await producer.beginTransaction()
    await producer.sendOffsets(groupId, offsets)
    await producer.commitTransaction()
    // The coordinator writes the commit markers after EndTxn answers, so the offsets become
    // visible shortly after commitTransaction() resolves, not necessarily at once.
    let committed: number | undefined
    for (let i = 0; i < 50 && committed === undefined; i++) {
      committed = (await admin.committedOffsets(groupId, offsets)).get(`${input}:0`)
      if (committed === undefined) await new Promise((r) => setTimeout(r, 100))
    }
    assert.equal(committed, 42)
    await Promise.all([admin.close(), producer.close()])
  })

  it('a second producer with the same transactional id fences the first and aborts its open transaction', { skip }, async () => {
    const transactionalId = unique('app-0_1')
    const zombie = client.producer({ transactionalId })
    await zombie.connect()
    await zombie.beginTransaction()
    await zombie.send([{ topic: out, partition: 0, key: str('k'), value: str('zombie'), timestamp: 1 }])

    const successor = client.producer({ transactionalId })
    await successor.connect()
    await assert.rejects(zombie.send([{ topic: out, partition: 0, key: str('k'), value: str('late'), timestamp: 2 }]), ProducerFencedError)
    await assert.rejects(zombie.commitTransaction(), ProducerFencedError)
    await assert.rejects(zombie.beginTransaction(), ProducerFencedError)

    const admin = client.admin()
    const start = (await admin.endOffsets([{ topic: out, partition: 0 }])).get(`${out}:0`)!
    await successor.beginTransaction()
    await successor.send([{ topic: out, partition: 0, key: str('k'), value: str('successor'), timestamp: 3 }])
    await successor.commitTransaction()
    const reader = client.partitionReader({ isolationLevel: 'read_committed' })
    const read: Array<string | null> = []
    for await (const batch of reader.read({ topic: out, partition: 0 }, 0, start + 10)) read.push(...values(batch))
    assert.ok(read.includes('successor'))
    assert.ok(!read.includes('zombie') && !read.includes('late'), 'the zombie\'s records were aborted')
    await Promise.all([reader.close(), admin.close(), zombie.close(), successor.close()])
  })

  it('a transaction older than the transaction timeout is aborted by the broker and its producer fenced', { skip }, async (t) => {
    const slowClient = testClient({ producer: { transactionTimeout: 1000 } })
    t.after(() => slowClient.closeAll())
    const producer = slowClient.producer({ transactionalId: unique('slow') })
    await producer.connect()
    await producer.beginTransaction()
    await producer.send([{ topic: out2, partition: 1, key: str('k'), value: str('expired'), timestamp: 1 }])
    // The broker's abort sweep runs every second (infra/kafka/server.properties).
    await new Promise((resolve) => setTimeout(resolve, 3500))
    await assert.rejects(producer.commitTransaction(), ProducerFencedError)
    await producer.close()
  })

  it('rejects transactional calls in the wrong state', { skip }, async () => {
    const tx = client.producer({ transactionalId: unique('misuse') })
    await tx.connect()
    await assert.rejects(tx.send([{ topic: out, key: null, value: null, timestamp: 1 }]), InvalidTransactionStateError)
    await assert.rejects(tx.commitTransaction(), InvalidTransactionStateError)
    await assert.rejects(tx.sendOffsets('g', [{ topic: input, partition: 0, offset: 1 }]), InvalidTransactionStateError)
    await tx.beginTransaction()
    await assert.rejects(tx.beginTransaction(), InvalidTransactionStateError)
    await tx.abortTransaction()
    const plain = client.producer({})
    await plain.connect()
    await assert.rejects(plain.beginTransaction(), InvalidTransactionStateError)
    await Promise.all([tx.close(), plain.close()])
  })
})
