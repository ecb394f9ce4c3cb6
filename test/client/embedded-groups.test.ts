import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { CommitFailedError } from '../../src/client/errors.ts'
import type { GroupAssignor, TopicPartition } from '../../src/client/port.ts'
import { pollAll, pollFor, recordingConsumer, str } from './embedded-helpers.ts'

async function seed(kafka: ReturnType<typeof createEmbeddedKafka>, topic: string, partitions: number, perPartition: number) {
  const producer = kafka.producer({})
  await producer.connect()
  const records = []
  for (let p = 0; p < partitions; p++) {
    for (let i = 0; i < perPartition; i++) records.push({ topic, partition: p, key: null, value: str(`${p}-${i}`), timestamp: i })
  }
  await producer.send(records)
  return producer
}

test('two members split the partitions with the range assignor; a joiner triggers revoke → assign on the first', async () => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('t', 4)
  const a = recordingConsumer(kafka, { groupId: 'g', topics: ['t'] })
  await a.consumer.connect()
  await a.consumer.poll(10)
  assert.deepEqual(a.events, [{ kind: 'assigned', partitions: ['t-0', 't-1', 't-2', 't-3'] }])

  const b = recordingConsumer(kafka, { groupId: 'g', topics: ['t'] })
  await b.consumer.connect()
  await pollAll([a.consumer, b.consumer], () => b.events.length > 0 && a.events.length >= 3)
  assert.deepEqual(a.events.slice(1), [
    { kind: 'revoked', partitions: ['t-0', 't-1', 't-2', 't-3'] },
    { kind: 'assigned', partitions: ['t-0', 't-1'] },
  ])
  assert.deepEqual(b.events, [{ kind: 'assigned', partitions: ['t-2', 't-3'] }])
  assert.deepEqual(a.consumer.assignment().map((p) => p.partition), [0, 1])
  await a.consumer.close()
  await b.consumer.close()
})

test('each record is delivered to exactly one member, and a leaving member hands over from its committed offset', async () => {
  const kafka = createEmbeddedKafka({ maxPollRecords: 5 })
  kafka.createTopic('t', 4)
  const producer = await seed(kafka, 't', 4, 10)
  // Commit what was consumed in onPartitionsRevoked, as the runtime does.
  const consumed = new Map<string, number>()
  const makeCommitter = () => {
    const ref: { c?: ReturnType<typeof recordingConsumer> } = {}
    ref.c = recordingConsumer(kafka, {
      groupId: 'g',
      topics: ['t'],
      onRevoked: async (partitions: ReadonlyArray<TopicPartition>) => {
        const offsets = partitions
          .filter((p) => consumed.has(`${p.topic}:${p.partition}`))
          .map((p) => ({ ...p, offset: consumed.get(`${p.topic}:${p.partition}`)! }))
        await ref.c!.consumer.commit(offsets)
      },
    })
    return ref.c
  }
  const a = makeCommitter()
  const b = makeCommitter()
  await a.consumer.connect()
  await b.consumer.connect()
  const seen: string[] = []
  const track = (records: { topic: string; partition: number; offset: number; value: Buffer | null }[]) => {
    for (const r of records) {
      seen.push(r.value!.toString())
      consumed.set(`${r.topic}:${r.partition}`, r.offset + 1)
    }
  }
  // Consume part of the data with both members.
  for (let i = 0; i < 3; i++) for (const c of [a, b]) track(await c.consumer.poll(20))
  assert.ok(seen.length > 0)
  await b.consumer.close()
  assert.ok(b.events.some((e) => e.kind === 'revoked'), 'closing revokes through the listener')
  const rest = await pollFor(a.consumer, 40 - seen.length)
  track(rest)
  assert.equal(seen.length, 40, 'nothing lost')
  assert.equal(new Set(seen).size, 40, 'nothing doubled')
  assert.deepEqual(a.consumer.assignment().length, 4)
  await a.consumer.close()
  await producer.close()
})

test('a member that stops polling is evicted after the session timeout; its later commit fails', async () => {
  const kafka = createEmbeddedKafka({ sessionTimeoutMs: 100, rebalanceTimeoutMs: 100 })
  kafka.createTopic('t', 2)
  const a = recordingConsumer(kafka, { groupId: 'g', topics: ['t'] })
  const b = recordingConsumer(kafka, { groupId: 'g', topics: ['t'] })
  await a.consumer.connect()
  await b.consumer.connect()
  await pollAll([a.consumer, b.consumer], () => a.consumer.assignment().length === 1 && b.consumer.assignment().length === 1)
  assert.equal(b.consumer.assignment().length, 1)
  // b "hangs": only a polls from now on.
  const deadline = Date.now() + 2000
  while (a.consumer.assignment().length < 2 && Date.now() < deadline) await a.consumer.poll(30)
  assert.equal(a.consumer.assignment().length, 2, 'the live member takes over every partition')
  await assert.rejects(b.consumer.commit([{ topic: 't', partition: 1, offset: 0 }]), CommitFailedError)
  // The zombie notices on its next poll: loses its partitions, rejoins as a new member.
  await pollAll([a.consumer, b.consumer], () => b.consumer.assignment().length === 1 && a.consumer.assignment().length === 1)
  assert.equal(b.events.filter((e) => e.kind === 'revoked').length >= 1, true)
  assert.equal(b.consumer.assignment().length, 1)
  await a.consumer.close()
  await b.consumer.close()
})

test('a rebalance waits for members to revoke before anyone gets their partitions', async () => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('t', 2)
  const a = recordingConsumer(kafka, { groupId: 'g', topics: ['t'] })
  await a.consumer.connect()
  await a.consumer.poll(5)
  const b = recordingConsumer(kafka, { groupId: 'g', topics: ['t'] })
  await b.consumer.connect()
  // Only b polls: a has not revoked yet, so b must not be assigned anything.
  assert.deepEqual(await b.consumer.poll(50), [])
  assert.deepEqual(b.events, [])
  assert.deepEqual(b.consumer.assignment(), [])
  await pollAll([a.consumer, b.consumer], () => b.events.length > 0)
  assert.deepEqual(b.events, [{ kind: 'assigned', partitions: ['t-1'] }])
  await a.consumer.close()
  await b.consumer.close()
})

test('a custom assignor receives members\' subscription user data and hands back per-member user data', async () => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('t', 3)
  const seenInputs: string[][] = []
  const received = new Map<string, string>()
  const assignorFor = (name: string): GroupAssignor => ({
    name: 'all-to-first-by-name',
    subscriptionUserData: () => str(name),
    assign({ members, topics }) {
      seenInputs.push(members.map((m) => m.userData.toString()).sort())
      const ordered = [...members].sort((x, y) => x.userData.toString().localeCompare(y.userData.toString()))
      const out = new Map<string, { partitions: TopicPartition[]; userData: Buffer }>()
      ordered.forEach((m, i) => {
        const partitions: TopicPartition[] = []
        if (i === 0) for (const [topic, n] of topics) for (let p = 0; p < n; p++) partitions.push({ topic, partition: p })
        out.set(m.memberId, { partitions, userData: str(`for-${m.userData.toString()}`) })
      })
      return out
    },
    onAssignment(userData) {
      received.set(name, userData.toString())
    },
  })
  const a = recordingConsumer(kafka, { groupId: 'g', topics: ['t'], assignor: assignorFor('zed') })
  const b = recordingConsumer(kafka, { groupId: 'g', topics: ['t'], assignor: assignorFor('amy') })
  await a.consumer.connect()
  await b.consumer.connect()
  await pollAll([a.consumer, b.consumer], () => received.size === 2 && b.consumer.assignment().length === 3)
  assert.deepEqual(seenInputs.at(-1), ['amy', 'zed'])
  assert.equal(b.consumer.assignment().length, 3, 'amy sorts first, so gets everything')
  assert.equal(a.consumer.assignment().length, 0)
  assert.deepEqual(received, new Map([['zed', 'for-zed'], ['amy', 'for-amy']]))
  await a.consumer.close()
  await b.consumer.close()
})

test('members with different assignors cannot share a group', async () => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('t', 1)
  const a = recordingConsumer(kafka, { groupId: 'g', topics: ['t'] })
  await a.consumer.connect()
  const other: GroupAssignor = { name: 'other', subscriptionUserData: () => Buffer.alloc(0), assign: () => new Map() }
  const b = recordingConsumer(kafka, { groupId: 'g', topics: ['t'], assignor: other })
  await assert.rejects(b.consumer.connect(), /InconsistentGroupProtocol/)
  await a.consumer.close()
})

test('a topic created after subscribing is assigned by a rebalance', async () => {
  const kafka = createEmbeddedKafka()
  const a = recordingConsumer(kafka, { groupId: 'g', topics: ['later'] })
  await a.consumer.connect()
  assert.deepEqual(await a.consumer.poll(10), [])
  assert.deepEqual(a.consumer.assignment(), [])
  kafka.createTopic('later', 2)
  const producer = kafka.producer({})
  await producer.connect()
  await producer.send([{ topic: 'later', partition: 1, key: null, value: str('x'), timestamp: 1 }])
  const got = await pollFor(a.consumer, 1)
  assert.equal(got.length, 1)
  assert.equal(a.consumer.assignment().length, 2)
  await a.consumer.close()
})
