import type { GroupAssignor, TopicPartition } from '../port.ts'

type Assignment = Map<string, { partitions: TopicPartition[]; userData: Buffer }>

/**
 * Kafka's `RangeAssignor`, the Java consumer's classic default: per topic, the members subscribed
 * to it, in member-id order, get consecutive ranges, the first `n % m` one partition more. It
 * co-partitions: partition p of every topic goes to the same member when members subscribe to
 * the same topics.
 */
export function assignRange(
  subscriptions: ReadonlyMap<string, ReadonlyArray<string>>,
  topics: ReadonlyMap<string, number>,
): Assignment {
  const result: Assignment = new Map()
  for (const id of [...subscriptions.keys()].sort()) result.set(id, { partitions: [], userData: Buffer.alloc(0) })
  for (const [topic, count] of [...topics].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const ids = [...subscriptions].filter(([, subscribed]) => subscribed.includes(topic)).map(([id]) => id).sort()
    if (ids.length === 0) continue
    const per = Math.floor(count / ids.length)
    const extra = count % ids.length
    for (let i = 0; i < ids.length; i++) {
      const start = per * i + Math.min(i, extra)
      const length = per + (i < extra ? 1 : 0)
      const target = result.get(ids[i]!)!
      for (let p = start; p < start + length; p++) target.partitions.push({ topic, partition: p })
    }
  }
  return result
}

/** The range assignor as a `GroupAssignor`, for members that all subscribe to every topic. */
export const rangeAssignor: GroupAssignor = {
  name: 'range',
  subscriptionUserData: () => Buffer.alloc(0),
  assign({ members, topics }) {
    const all = [...topics.keys()]
    return assignRange(new Map(members.map((m) => [m.memberId, all])), topics)
  },
}
