/**
 * A custom kafkajs partition assigner with member user data — where kstreams' state-aware task
 * assignor lives. The leader's `assign` must see every member's user data, and what it returns
 * must be exactly what each member receives.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { AssignerProtocol } from 'kafkajs'
import type { PartitionAssigner } from 'kafkajs'
import { brokerFixture, FAST_GROUP, testProducer, uniqueName, waitFor } from '../helpers/kafka.ts'
import type { BrokerFixture } from '../helpers/kafka.ts'
import { integrationServices } from '../helpers/services.ts'

const services = await integrationServices()
const PROTOCOL = 'KstreamsTestUserDataAssigner'

/** What every leader `assign` call saw: member id → the user data it sent. */
type AssignCall = Map<string, string>

/**
 * Gives partition 3 to the member whose user data is "beta" and 0-2 to "alpha" — deliberately
 * unlike round robin or range, so the test proves this assignment is the one applied.
 */
function userDataAssigner(userData: string, calls: AssignCall[]): PartitionAssigner {
  return () => ({
    name: PROTOCOL,
    version: 1,
    protocol({ topics }) {
      return { name: PROTOCOL, metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.from(userData) }) }
    },
    async assign({ members, topics }) {
      const call: AssignCall = new Map()
      for (const m of members) {
        const meta = AssignerProtocol.MemberMetadata.decode(m.memberMetadata)
        call.set(m.memberId, meta?.userData.toString() ?? '')
      }
      calls.push(call)
      const topic = topics[0]!
      const both = [...call.values()].includes('beta')
      return members.map((m) => {
        const mine = call.get(m.memberId) === 'beta' ? [3] : both ? [0, 1, 2] : [0, 1, 2, 3]
        return {
          memberId: m.memberId,
          memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: { [topic]: mine }, userData: Buffer.from(`for-${call.get(m.memberId)}`) }),
        }
      })
    },
  })
}

describe('custom partition assigner', () => {
  let broker: BrokerFixture
  before(async () => {
    if (!services.ready()) return
    broker = await brokerFixture()
  })
  after(() => broker?.cleanup())

  test('the leader sees both members\' user data and each member gets exactly its assignment', { skip: services.skip }, async () => {
    const topic = uniqueName('assign-in')
    const groupId = broker.trackGroup(uniqueName('assign'))
    await broker.createTopics([{ topic, numPartitions: 4 }])
    const calls: AssignCall[] = []
    const received: Record<string, { assignment?: number[]; partitions: Set<number> }> = {}

    async function join(name: string) {
      const consumer = broker.kafka.consumer({ groupId, ...FAST_GROUP, partitionAssigners: [userDataAssigner(name, calls)] })
      const state: { assignment?: number[]; partitions: Set<number> } = { partitions: new Set() }
      received[name] = state
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        assert.equal(payload.groupProtocol, PROTOCOL)
        state.assignment = [...(payload.memberAssignment[topic] ?? [])].sort()
      })
      broker.defer(() => consumer.disconnect())
      await consumer.connect()
      await consumer.subscribe({ topics: [topic], fromBeginning: true })
      await consumer.run({ eachMessage: async ({ partition }) => void state.partitions.add(partition) })
    }

    await join('alpha')
    await waitFor('alpha alone to own all partitions', () => received.alpha?.assignment?.length === 4)
    await join('beta')
    await waitFor('the two-member assignment', () =>
      received.alpha?.assignment?.join() === '0,1,2' && received.beta?.assignment?.join() === '3')

    const twoMemberCall = calls.findLast((c) => c.size === 2)
    assert.ok(twoMemberCall, 'the leader ran assign() with both members')
    assert.deepEqual([...twoMemberCall.values()].sort(), ['alpha', 'beta'])

    // Records follow the assignment: one per partition, each read by its owner only.
    const producer = testProducer(broker.kafka)
    await producer.connect()
    broker.defer(() => producer.disconnect())
    await producer.send({ topic, messages: [0, 1, 2, 3].map((partition) => ({ partition, value: `p${partition}` })) })
    await waitFor('all four records', () => received.alpha!.partitions.size + received.beta!.partitions.size === 4)
    assert.deepEqual([...received.alpha!.partitions].sort(), [0, 1, 2])
    assert.deepEqual([...received.beta!.partitions], [3])
  })
})
