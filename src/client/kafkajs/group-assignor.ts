import { AssignerProtocol } from 'kafkajs'
import type { Assigner, GroupMemberAssignment, PartitionAssigner } from 'kafkajs'
import type { Logger } from '../../instrumentation/logger.ts'
import type { GroupAssignor, TopicPartition } from '../port.ts'

const PROTOCOL_VERSION = 0

/** What the group leader's assignor produced, kept so the leader need not ask the coordinator for its own user data. */
export interface LeaderAssignment {
  readonly userData: ReadonlyMap<string, Buffer>
}

/**
 * Runs the port's `GroupAssignor` as a kafkajs partition assigner. Subscription user data goes
 * in the member metadata (`ConsumerProtocol` v0: version, topics, user data, which the Java
 * client also reads); assignment user data goes in each member's `MemberAssignment`.
 * `onLeaderAssign` receives the leader's result: kafkajs decodes a member's assignment but keeps
 * only its partitions, so followers fetch their user data with DescribeGroups instead.
 */
export function toKafkaJsAssigner(assignor: GroupAssignor, onLeaderAssign: (result: LeaderAssignment) => void): PartitionAssigner {
  return ({ cluster }) => {
    const assigner: Assigner = {
      name: assignor.name,
      version: PROTOCOL_VERSION,
      protocol({ topics }) {
        return {
          name: assignor.name,
          metadata: AssignerProtocol.MemberMetadata.encode({
            version: PROTOCOL_VERSION,
            topics,
            userData: assignor.subscriptionUserData(),
          }),
        }
      },
      async assign({ members, topics }) {
        const decoded = members.map((m) => {
          const metadata = AssignerProtocol.MemberMetadata.decode(m.memberMetadata)
          return { memberId: m.memberId, topics: metadata?.topics ?? [], userData: metadata?.userData ?? Buffer.alloc(0) }
        })
        // Members normally share one subscription; take the union so none is left out.
        const subscribed = new Set(topics)
        for (const m of decoded) for (const t of m.topics) subscribed.add(t)
        const missing = [...subscribed].filter((t) => cluster.findTopicPartitionMetadata(t).length === 0)
        if (missing.length > 0) await cluster.addMultipleTargetTopics(missing).catch(() => undefined)
        const counts = new Map<string, number>()
        for (const t of [...subscribed].sort()) {
          const n = cluster.findTopicPartitionMetadata(t).length
          if (n > 0) counts.set(t, n)
        }
        const result = assignor.assign({
          members: decoded.map((m) => ({ memberId: m.memberId, userData: Buffer.from(m.userData) })),
          topics: counts,
        })
        const userData = new Map<string, Buffer>()
        const out: GroupMemberAssignment[] = members.map(({ memberId }) => {
          const assigned = result.get(memberId) ?? { partitions: [], userData: Buffer.alloc(0) }
          userData.set(memberId, assigned.userData)
          return {
            memberId,
            memberAssignment: AssignerProtocol.MemberAssignment.encode({
              version: PROTOCOL_VERSION,
              assignment: byTopic(assigned.partitions),
              userData: assigned.userData,
            }),
          }
        })
        onLeaderAssign({ userData })
        return out
      },
    }
    return assigner
  }
}

function byTopic(partitions: ReadonlyArray<TopicPartition>): { [topic: string]: number[] } {
  const out: { [topic: string]: number[] } = {}
  for (const { topic, partition } of partitions) (out[topic] ??= []).push(partition)
  return out
}

/** The user data in an encoded `MemberAssignment` (empty when there is none). */
export function assignmentUserData(memberAssignment: Buffer | null | undefined): Buffer {
  if (!memberAssignment || memberAssignment.length === 0) return Buffer.alloc(0)
  const decoded = AssignerProtocol.MemberAssignment.decode(memberAssignment)
  return decoded?.userData ? Buffer.from(decoded.userData) : Buffer.alloc(0)
}

/** A GROUP_JOIN event's `{ topic: partitions }` as sorted topic-partitions. */
export function assignedPartitions(memberAssignment: { readonly [topic: string]: ReadonlyArray<number> }): TopicPartition[] {
  const out: TopicPartition[] = []
  for (const topic of Object.keys(memberAssignment).sort()) {
    for (const partition of [...memberAssignment[topic]!].sort((a, b) => a - b)) out.push({ topic, partition })
  }
  return out
}

/**
 * A follower's assignment user data: kafkajs decodes its assignment but drops the user data,
 * while the coordinator still has it, so ask it (DescribeGroups). Empty, with a warning, if that fails.
 */
export async function followerUserData(
  describe: () => Promise<{ readonly state: string; readonly assignment: Buffer | undefined }>,
  memberId: string,
  logger: Logger,
): Promise<Buffer> {
  try {
    const { state, assignment } = await describe()
    if (assignment) return assignmentUserData(assignment)
    logger.warn({ memberId, state }, 'member missing from its group description; assignment user data is empty')
  } catch (error) {
    logger.warn({ memberId, err: error }, 'could not describe the group; assignment user data is empty')
  }
  return Buffer.alloc(0)
}
