import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { CommitFailedError, KafkaClientError } from '../../../src/client/errors.ts'
import type { Consumer, ConsumerRecord, GroupAssignor, TopicPartition } from '../../../src/client/port.ts'
import { pollAll, recordingConsumer } from '../embedded-helpers.ts'
import { ready, skip, str, testClient, unique, withTopics } from './helpers.ts'

const names = (n: number, topic: string) => Array.from({ length: n }, (_, p) => `${topic}-${p}`)

/** Polls until `done()`, with a longer default than the embedded helper: real rebalances take seconds. */
const pollUntil = (consumers: Consumer[], done: () => boolean, timeoutMs = 20_000) => pollAll(consumers, done, timeoutMs)

describe('kafkajs adapter: consumer groups', () => {
  const client = testClient()
  const topic = unique('grp')
  let dropTopics: () => Promise<void> = async () => {}

  before(async () => {
    if (!ready()) return
    dropTopics = await withTopics(client, [{ name: topic, numPartitions: 4 }])
    const producer = client.producer({})
    await producer.connect()
    const records = []
    for (let p = 0; p < 4; p++) for (let i = 0; i < 25; i++) records.push({ topic, partition: p, key: null, value: str(`${p}-${i}`), timestamp: i })
    await producer.send(records)
    await producer.close()
  })

  after(async () => {
    await client.closeAll()
    await dropTopics()
  })

  it('a joining member makes the first revoke everything, then both get a range of the partitions', { skip }, async () => {
    const groupId = unique('g')
    const a = recordingConsumer(client, { groupId, topics: [topic] })
    await a.consumer.connect()
    await pollUntil([a.consumer], () => a.events.length > 0)
    assert.deepEqual(a.events, [{ kind: 'assigned', partitions: names(4, topic) }])

    const b = recordingConsumer(client, { groupId, topics: [topic] })
    await b.consumer.connect()
    await pollUntil([a.consumer, b.consumer], () => a.events.length >= 3 && b.events.length >= 1)
    assert.deepEqual(a.events[1], { kind: 'revoked', partitions: names(4, topic) })
    assert.equal(a.events[2]!.kind, 'assigned')
    assert.equal(b.events[0]!.kind, 'assigned')
    const mine = a.events[2]!.partitions
    const theirs = b.events[0]!.partitions
    // The range assignor: two contiguous halves, by member id order.
    assert.deepEqual([mine, theirs].sort((x, y) => x[0]!.localeCompare(y[0]!)), [names(4, topic).slice(0, 2), names(4, topic).slice(2)])
    assert.deepEqual(a.consumer.assignment().map((p) => `${p.topic}-${p.partition}`).sort(), mine)
    await Promise.all([a.consumer.close(), b.consumer.close()])
  })

  it('commits made in onPartitionsRevoked hand each record to exactly one member', { skip }, async () => {
    const groupId = unique('g')
    const consumed = new Map<string, number>()
    const seen: string[] = []
    const track = (records: ConsumerRecord[]) => {
      for (const r of records) {
        seen.push(r.value!.toString())
        consumed.set(`${r.topic}:${r.partition}`, r.offset + 1)
      }
    }
    const commitErrors: unknown[] = []
    const member = () => {
      const ref: { c?: ReturnType<typeof recordingConsumer> } = {}
      ref.c = recordingConsumer(client, {
        groupId,
        topics: [topic],
        maxPollRecords: 3,
        onRevoked: async (partitions: ReadonlyArray<TopicPartition>) => {
          const offsets = partitions
            .filter((p) => consumed.has(`${p.topic}:${p.partition}`))
            .map((p) => ({ ...p, offset: consumed.get(`${p.topic}:${p.partition}`)! }))
          // Records fetched but not polled stay uncommitted: the next owner reads them.
          await ref.c!.consumer.commit(offsets).catch((e: unknown) => commitErrors.push(e))
        },
      })
      return ref.c
    }
    const a = member()
    await a.consumer.connect()
    // a consumes part of the data and keeps a fetched batch waiting (maxPollRecords 3).
    while (seen.length < 10) track(await a.consumer.poll(200))
    const b = member()
    await b.consumer.connect()
    const deadline = Date.now() + 25_000
    while (!(b.events.length > 0 && a.events.length >= 3) && Date.now() < deadline) {
      const [x, y] = await Promise.all([a.consumer.poll(50), b.consumer.poll(50)])
      track(x)
      track(y)
    }
    assert.deepEqual(commitErrors, [], 'the revoking member commits before the group moves on')
    while (seen.length < 100 && Date.now() < deadline) {
      const [x, y] = await Promise.all([a.consumer.poll(50), b.consumer.poll(50)])
      track(x)
      track(y)
    }
    assert.equal(new Set(seen).size, 100, 'nothing lost')
    assert.equal(seen.length, 100, 'nothing delivered twice')
    await Promise.all([a.consumer.close(), b.consumer.close()])
  })

  it('an idle member revokes (and commits) before the group moves on, so the new owner replays nothing', { skip }, async () => {
    const groupId = unique('g')
    const consumed = new Map<string, number>()
    const commitErrors: unknown[] = []
    const ref: { a?: ReturnType<typeof recordingConsumer> } = {}
    ref.a = recordingConsumer(client, {
      groupId,
      topics: [topic],
      onRevoked: async (partitions: ReadonlyArray<TopicPartition>) => {
        // A runtime flushes its stores before committing: the group must wait for it.
        await new Promise((resolve) => setTimeout(resolve, 1000))
        const offsets = partitions.map((p) => ({ ...p, offset: consumed.get(`${p.topic}:${p.partition}`) ?? 0 }))
        await ref.a!.consumer.commit(offsets).catch((e: unknown) => commitErrors.push(e))
      },
    })
    const a = ref.a
    await a.consumer.connect()
    let total = 0
    const deadline = Date.now() + 20_000
    while (total < 100 && Date.now() < deadline) {
      for (const r of await a.consumer.poll(100)) {
        consumed.set(`${r.topic}:${r.partition}`, r.offset + 1)
        total++
      }
    }
    assert.equal(total, 100)
    // Nothing is waiting for poll() now: kafkajs notices the next rebalance on its own heartbeat.
    assert.deepEqual(await a.consumer.poll(1000), [])
    const b = recordingConsumer(client, { groupId, topics: [topic] })
    await b.consumer.connect()
    const replayed = await pollUntil([a.consumer, b.consumer], () => a.events.length >= 3 && b.events.length >= 1)
    await pollUntil([a.consumer, b.consumer], () => false, 1000).then((more) => replayed.forEach((list, i) => list.push(...more[i]!)))
    assert.deepEqual(commitErrors, [])
    assert.deepEqual(a.events.slice(1).map((e) => e.kind), ['revoked', 'assigned'])
    assert.deepEqual(replayed.map((list) => list.length), [0, 0], 'the new owner starts at the committed offsets')
    await Promise.all([a.consumer.close(), b.consumer.close()])
  })

  it('a custom assignor gets every member\'s subscription user data and hands back per-member user data', { skip }, async () => {
    const groupId = unique('g')
    const seenInputs: string[][] = []
    const received = new Map<string, string>()
    const assignorFor = (name: string): GroupAssignor => ({
      name: 'all-to-first-by-name',
      subscriptionUserData: () => str(name),
      assign({ members, topics }) {
        seenInputs.push(members.map((m) => m.userData.toString()).sort())
        assert.deepEqual([...topics], [[topic, 4]])
        const ordered = [...members].sort((x, y) => x.userData.toString().localeCompare(y.userData.toString()))
        const out = new Map<string, { partitions: TopicPartition[]; userData: Buffer }>()
        ordered.forEach((m, i) => {
          const partitions: TopicPartition[] = []
          if (i === 0) for (const [t, n] of topics) for (let p = 0; p < n; p++) partitions.push({ topic: t, partition: p })
          out.set(m.memberId, { partitions, userData: str(`for-${m.userData.toString()}`) })
        })
        return out
      },
      onAssignment(userData) {
        received.set(name, userData.toString())
      },
    })
    const a = recordingConsumer(client, { groupId, topics: [topic], assignor: assignorFor('zed') })
    const b = recordingConsumer(client, { groupId, topics: [topic], assignor: assignorFor('amy') })
    await a.consumer.connect()
    await b.consumer.connect()
    await pollUntil([a.consumer, b.consumer], () => received.size === 2 && b.consumer.assignment().length === 4 && seenInputs.at(-1)?.length === 2)
    assert.deepEqual(seenInputs.at(-1), ['amy', 'zed'])
    assert.equal(b.consumer.assignment().length, 4, 'amy sorts first, so gets everything')
    assert.equal(a.consumer.assignment().length, 0)
    assert.deepEqual(received, new Map([['zed', 'for-zed'], ['amy', 'for-amy']]), 'leader and follower both see their user data')
    await Promise.all([a.consumer.close(), b.consumer.close()])
  })

  it('a member that closes revokes first and its partitions move to the one left', { skip }, async () => {
    const groupId = unique('g')
    const a = recordingConsumer(client, { groupId, topics: [topic] })
    const b = recordingConsumer(client, { groupId, topics: [topic] })
    await a.consumer.connect()
    await b.consumer.connect()
    await pollUntil([a.consumer, b.consumer], () => a.consumer.assignment().length === 2 && b.consumer.assignment().length === 2)
    await b.consumer.close()
    assert.equal(b.events.at(-1)!.kind, 'revoked')
    await pollUntil([a.consumer], () => a.consumer.assignment().length === 4)
    assert.equal(a.consumer.assignment().length, 4)
    assert.deepEqual(a.events.slice(-2).map((e) => e.kind), ['revoked', 'assigned'])
    await a.consumer.close()
  })

  it('a member that stops polling for the max poll interval leaves the group, and rejoins at its next poll', { skip }, async (t) => {
    const quick = testClient({ consumer: { sessionTimeout: 6000, rebalanceTimeout: 2000, heartbeatInterval: 300, maxWaitTimeInMs: 100 } })
    t.after(() => quick.closeAll())
    const groupId = unique('g')
    const a = recordingConsumer(quick, { groupId, topics: [topic] })
    const b = recordingConsumer(quick, { groupId, topics: [topic] })
    await a.consumer.connect()
    await b.consumer.connect()
    await pollUntil([a.consumer, b.consumer], () => a.consumer.assignment().length === 2 && b.consumer.assignment().length === 2)
    const held = b.consumer.assignment()[0]!
    // b's runtime "hangs": only a polls now.
    const deadline = Date.now() + 15_000
    while (a.consumer.assignment().length < 4 && Date.now() < deadline) await a.consumer.poll(100)
    assert.equal(a.consumer.assignment().length, 4, 'the live member takes every partition')
    await assert.rejects(b.consumer.commit([{ ...held, offset: 0 }]), CommitFailedError)
    // b comes back: it hears the revoke, then joins again.
    const eventsBefore = b.events.length
    await pollUntil([a.consumer, b.consumer], () => a.consumer.assignment().length === 2 && b.consumer.assignment().length === 2)
    assert.deepEqual(b.events.slice(eventsBefore).map((e) => e.kind), ['revoked', 'assigned'])
    await Promise.all([a.consumer.close(), b.consumer.close()])
  })

  it('a member whose assignor the group does not use is refused: poll() throws', { skip }, async () => {
    const groupId = unique('g')
    const a = recordingConsumer(client, { groupId, topics: [topic] })
    await a.consumer.connect()
    await pollUntil([a.consumer], () => a.events.length > 0)
    const other: GroupAssignor = { name: 'other', subscriptionUserData: () => Buffer.alloc(0), assign: () => new Map() }
    const b = recordingConsumer(client, { groupId, topics: [topic], assignor: other })
    await b.consumer.connect()
    const deadline = Date.now() + 10_000
    let failure: unknown
    while (failure === undefined && Date.now() < deadline) {
      try {
        await b.consumer.poll(100)
      } catch (error) {
        failure = error
      }
    }
    assert.ok(failure instanceof KafkaClientError, String(failure))
    assert.match(failure.message, /INCONSISTENT_GROUP_PROTOCOL/)
    assert.deepEqual(b.events, [])
    await Promise.all([a.consumer.close(), b.consumer.close()])
  })
})
