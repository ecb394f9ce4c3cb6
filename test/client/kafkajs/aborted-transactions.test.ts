import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { markAbortedRecords } from '../../../src/client/kafkajs/aborted-transactions.ts'
import type { ConsumerRecord, Producer } from '../../../src/client/port.ts'
import { ready, skip, str, testClient, unique, values, withTopics } from './helpers.ts'

const ABORT = Buffer.from([0, 0, 0, 0])
const COMMIT = Buffer.from([0, 0, 0, 1])

/** A decoded Fetch message: `producer` null = not transactional; `marker` = a control record. */
function message(offset: number, producer: string | null, marker?: 'abort' | 'commit') {
  return {
    offset: String(offset),
    key: marker === undefined ? str(`k${offset}`) : marker === 'abort' ? ABORT : COMMIT,
    value: marker === undefined ? str(`v${offset}`) : null,
    isControlRecord: marker !== undefined,
    batchContext: { producerId: producer ?? '-1', inTransaction: producer !== null },
  }
}

function visible(partition: { messages: ReadonlyArray<ReturnType<typeof message>> }): number[] {
  return partition.messages.filter((m) => !m.isControlRecord).map((m) => Number(m.offset))
}

describe('markAbortedRecords', () => {
  it('drops overlapping aborted transactions listed in abort order (by last offset), not start order', () => {
    // A: 0, 3 (aborted at 5); B: 1, 2 (aborted first, at 4); C: 6 committed at 7; 8 plain.
    const partition = {
      abortedTransactions: [{ producerId: 'B', firstOffset: '1' }, { producerId: 'A', firstOffset: '0' }],
      messages: [message(0, 'A'), message(1, 'B'), message(2, 'B'), message(3, 'A'), message(4, 'B', 'abort'), message(5, 'A', 'abort'),
        message(6, 'C'), message(7, 'C', 'commit'), message(8, null)],
    }
    assert.equal(markAbortedRecords(partition), 4)
    assert.deepEqual(visible(partition), [6, 8])
    // kafkajs's own filter, run after this, must find nothing left to do.
    assert.deepEqual(partition.abortedTransactions, [])
  })

  it('counts every aborted transaction begun before the first message of a fetch that starts inside them', () => {
    // A: 0, 3; B: 1, 2, 4; both aborted; the fetch starts at 2.
    const partition = {
      abortedTransactions: [{ producerId: 'A', firstOffset: '0' }, { producerId: 'B', firstOffset: '1' }],
      messages: [message(2, 'B'), message(3, 'A'), message(4, 'B'), message(5, 'A', 'abort'), message(6, 'B', 'abort'), message(7, null)],
    }
    assert.equal(markAbortedRecords(partition), 3)
    assert.deepEqual(visible(partition), [7])
  })

  it('keeps a producer\'s committed transaction after its aborted one, and leaves a response without aborts untouched', () => {
    const partition = {
      abortedTransactions: [{ producerId: 'A', firstOffset: '0' }],
      messages: [message(0, 'A'), message(1, 'A', 'abort'), message(2, 'A'), message(3, 'A', 'commit')],
    }
    assert.equal(markAbortedRecords(partition), 1)
    assert.deepEqual(visible(partition), [2])
    const clean = { abortedTransactions: [], messages: [message(0, 'A'), message(1, 'A', 'commit')] }
    assert.equal(markAbortedRecords(clean), 0)
    assert.deepEqual(visible(clean), [0])
  })
})

describe('kafkajs adapter: read_committed with overlapping aborted transactions', () => {
  const client = testClient()
  const reversed = unique('abort-reversed')
  const inside = unique('abort-inside')
  let dropTopics: () => Promise<void> = async () => {}

  before(async () => {
    if (!ready()) return
    dropTopics = await withTopics(client, [{ name: reversed, numPartitions: 1 }, { name: inside, numPartitions: 1 }])
  })

  after(async () => {
    await client.closeAll()
    await dropTopics()
  })

  /** Two transactions interleaved on partition 0 (A: 0, 3; B: 1, 2), aborted in the given order, then a committed `done`. */
  async function interleaveAndAbort(topic: string, abortFirst: 'A' | 'B'): Promise<void> {
    const producer = async (name: string): Promise<Producer> => {
      const p = client.producer({ transactionalId: unique(`${topic}-${name}`) })
      await p.connect()
      await p.beginTransaction()
      return p
    }
    const send = (p: Producer, value: string) => p.send([{ topic, partition: 0, key: str(value), value: str(value), timestamp: 1 }])
    const a = await producer('a')
    await send(a, 'a1')
    const b = await producer('b')
    await send(b, 'b1')
    await send(b, 'b2')
    await send(a, 'a2')
    const [first, second] = abortFirst === 'A' ? [a, b] : [b, a]
    await first.abortTransaction()
    await second.abortTransaction()
    const c = await producer('c')
    await send(c, 'done')
    await c.commitTransaction()
  }

  async function readCommitted(topic: string, from: number): Promise<ConsumerRecord[]> {
    const consumer = client.consumer({
      groupId: unique('rc'),
      topics: [topic],
      isolationLevel: 'read_committed',
      autoOffsetReset: 'earliest',
      rebalanceListener: {
        onPartitionsRevoked: () => {},
        onPartitionsAssigned: (partitions) => {
          for (const p of partitions) consumer.seek({ ...p, offset: from })
        },
      },
    })
    await consumer.connect()
    const out: ConsumerRecord[] = []
    const deadline = Date.now() + 20_000
    while (!out.some((r) => r.value?.toString() === 'done') && Date.now() < deadline) out.push(...(await consumer.poll(200)))
    await consumer.close()
    return out
  }

  it('a consumer sees none of the records of transactions aborted in the opposite order to the one they began in', { skip }, async () => {
    await interleaveAndAbort(reversed, 'B')
    assert.deepEqual(values(await readCommitted(reversed, 0)), ['done'])
  })

  it('a consumer starting inside two aborted transactions sees none of their records', { skip }, async () => {
    await interleaveAndAbort(inside, 'A')
    assert.deepEqual(values(await readCommitted(inside, 2)), ['done'])
  })

  it('the partition reader agrees', { skip }, async () => {
    const reader = client.partitionReader({ isolationLevel: 'read_committed' })
    for (const topic of [reversed, inside]) {
      const seen: ConsumerRecord[] = []
      for await (const batch of reader.read({ topic, partition: 0 }, 0, 100)) seen.push(...batch)
      assert.deepEqual(values(seen), ['done'], topic)
    }
  })
})
