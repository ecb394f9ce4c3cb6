import type { GroupAssignor, TopicPartition } from '../client/port.ts'
import type { CompiledTopology } from '../topology/compile.ts'
import { taskId as formatTaskId } from '../topology/task-id.ts'

interface SubscriptionInfo {
  readonly version: 1
  /** Tasks this member ran before the rebalance. */
  readonly active: string[]
  /** Tasks whose state this member has on disk (cheap to resume there). */
  readonly state: string[]
}

interface AssignmentInfo {
  readonly version: 1
  readonly active: string[]
}

/**
 * The group assignor of a kstreams app (a small Kafka Streams `StreamsPartitionAssignor`): it
 * assigns *tasks*, not partitions, so every input partition of a task goes to the same member
 * even when a sub-topology's topics have different partition counts, and a task's changelog
 * partition follows it. Balanced (no member gets more than ⌈tasks/members⌉) and sticky: a task
 * stays with its previous owner, else goes to a member that has its state on disk, else to the
 * least-loaded member. Members report both in their subscription user data.
 */
export class StreamsPartitionAssignor implements GroupAssignor {
  readonly name = 'kstreams'
  readonly #topology: CompiledTopology
  readonly #localState: () => { readonly active: string[]; readonly state: string[] }
  #assigned: string[] = []

  constructor(topology: CompiledTopology, localState: () => { readonly active: string[]; readonly state: string[] }) {
    this.#topology = topology
    this.#localState = localState
  }

  /** The task ids of the latest assignment this member received. */
  get assignedTasks(): ReadonlyArray<string> {
    return this.#assigned
  }

  subscriptionUserData(): Buffer {
    const info: SubscriptionInfo = { version: 1, ...this.#localState() }
    return Buffer.from(JSON.stringify(info))
  }

  onAssignment(userData: Buffer): void {
    const info = parse<AssignmentInfo>(userData)
    this.#assigned = info?.active ?? []
  }

  assign(input: {
    readonly members: ReadonlyArray<{ readonly memberId: string; readonly userData: Buffer }>
    readonly topics: ReadonlyMap<string, number>
  }): Map<string, { partitions: TopicPartition[]; userData: Buffer }> {
    const tasks = new Map<string, TopicPartition[]>()
    for (const sub of this.#topology.subtopologies) {
      let count = 0
      for (const t of sub.sourceTopics) count = Math.max(count, input.topics.get(t) ?? 0)
      for (let p = 0; p < count; p++) {
        const partitions = sub.sourceTopics.filter((t) => p < (input.topics.get(t) ?? 0)).map((topic) => ({ topic, partition: p }))
        tasks.set(formatTaskId(sub.id, p), partitions)
      }
    }
    const members = [...input.members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0))
    const out = new Map<string, { partitions: TopicPartition[]; userData: Buffer }>()
    if (members.length === 0) return out
    const infos = new Map(members.map((m) => [m.memberId, parse<SubscriptionInfo>(m.userData)]))
    const load = new Map(members.map((m) => [m.memberId, [] as string[]]))
    const capacity = Math.ceil(tasks.size / members.length)
    const owner = new Map<string, string>()
    const give = (task: string, member: string): void => {
      owner.set(task, member)
      load.get(member)!.push(task)
    }
    // Previous owners first, then members holding the state, then the least loaded.
    for (const pass of ['active', 'state'] as const) {
      for (const m of members) {
        for (const task of infos.get(m.memberId)?.[pass] ?? []) {
          if (tasks.has(task) && !owner.has(task) && load.get(m.memberId)!.length < capacity) give(task, m.memberId)
        }
      }
    }
    for (const task of tasks.keys()) {
      if (owner.has(task)) continue
      let best = members[0]!.memberId
      for (const m of members) if (load.get(m.memberId)!.length < load.get(best)!.length) best = m.memberId
      give(task, best)
    }
    for (const m of members) {
      const active = load.get(m.memberId)!.sort(compareTaskIds)
      const info: AssignmentInfo = { version: 1, active }
      out.set(m.memberId, { partitions: active.flatMap((t) => tasks.get(t)!), userData: Buffer.from(JSON.stringify(info)) })
    }
    return out
  }
}

function parse<T>(data: Buffer): T | undefined {
  if (data.length === 0) return undefined
  try {
    return JSON.parse(data.toString('utf8')) as T
  } catch {
    return undefined
  }
}

function compareTaskIds(a: string, b: string): number {
  const [sa, pa] = a.split('_').map(Number) as [number, number]
  const [sb, pb] = b.split('_').map(Number) as [number, number]
  return sa - sb || pa - pb
}
