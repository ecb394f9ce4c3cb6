import type { GroupAssignor, TopicPartition } from '../client/port.ts'
import type { CompiledTopology } from '../topology/compile.ts'
import { taskId as formatTaskId } from '../topology/task-id.ts'
import { assignStandbys, compareTaskIds } from './standby-assignment.ts'

/** What a member tells the leader at every join (its subscription user data). */
export interface LocalTaskState {
  /** Tasks it ran (or kept suspended) before the rebalance. */
  readonly active: ReadonlyArray<string>
  /** Task id → sum of the changelog offsets its local stores reflect (-1: present, offsets unknown). */
  readonly state: { readonly [taskId: string]: number }
}

interface SubscriptionInfo extends LocalTaskState {
  readonly version: 2
  /** `host:port` serving interactive queries (Kafka's `application.server`). */
  readonly server?: string
}

/** Tasks per `host:port`, shared with every member (Kafka's `partitionsByHost`, by task here). */
export type HostTasks = { readonly [server: string]: { readonly active: string[]; readonly standby: string[] } }

interface AssignmentInfo {
  readonly version: 2
  readonly active: string[]
  readonly standby: string[]
  readonly hosts: HostTasks
}

/**
 * The group assignor of a kstreams app (a small Kafka Streams `StreamsPartitionAssignor`): it
 * assigns *tasks*, not partitions, so every input partition of a task goes to the same member
 * even when a sub-topology's topics have different partition counts, and a task's changelog
 * partition follows it. Deterministic, balanced (task counts differ by at most one) and sticky:
 * a task stays with its previous owner, else goes to the member whose local state for it is
 * furthest along (a standby, or a past owner), else to the least-loaded member. Stateful tasks
 * get `numStandbyReplicas` standbys on other members, preferably where their state already is.
 */
export class StreamsPartitionAssignor implements GroupAssignor {
  readonly name = 'kstreams'
  readonly #topology: CompiledTopology
  readonly #localState: () => LocalTaskState
  readonly #standbys: number
  readonly #server: string | undefined
  #assignment: AssignmentInfo = { version: 2, active: [], standby: [], hosts: {} }

  constructor(topology: CompiledTopology, localState: () => LocalTaskState, options: { readonly numStandbyReplicas?: number; readonly applicationServer?: string | undefined } = {}) {
    this.#topology = topology
    this.#localState = localState
    this.#standbys = options.numStandbyReplicas ?? 0
    this.#server = options.applicationServer
  }

  /** The active task ids of the latest assignment this member received. */
  get assignedTasks(): ReadonlyArray<string> {
    return this.#assignment.active
  }

  get assignedStandbys(): ReadonlyArray<string> {
    return this.#assignment.standby
  }

  /** Which `host:port` runs which tasks, as of the latest assignment. */
  get hosts(): HostTasks {
    return this.#assignment.hosts
  }

  subscriptionUserData(): Buffer {
    const info: SubscriptionInfo = { version: 2, ...this.#localState(), ...(this.#server ? { server: this.#server } : {}) }
    return Buffer.from(JSON.stringify(info))
  }

  onAssignment(userData: Buffer): void {
    const info = parse<Partial<AssignmentInfo>>(userData)
    this.#assignment = { version: 2, active: info?.active ?? [], standby: info?.standby ?? [], hosts: info?.hosts ?? {} }
  }

  assign(input: {
    readonly members: ReadonlyArray<{ readonly memberId: string; readonly userData: Buffer }>
    readonly topics: ReadonlyMap<string, number>
  }): Map<string, { partitions: TopicPartition[]; userData: Buffer }> {
    const tasks = new Map<string, TopicPartition[]>()
    const stateful = new Set<string>()
    const logged = new Set(this.#topology.changelogTopics.map((c) => c.subtopology))
    for (const sub of this.#topology.subtopologies) {
      let count = 0
      for (const t of sub.sourceTopics) count = Math.max(count, input.topics.get(t) ?? 0)
      for (let p = 0; p < count; p++) {
        const id = formatTaskId(sub.id, p)
        tasks.set(id, sub.sourceTopics.filter((t) => p < (input.topics.get(t) ?? 0)).map((topic) => ({ topic, partition: p })))
        if (logged.has(sub.id)) stateful.add(id)
      }
    }
    const members = [...input.members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0)).map((m) => m.memberId)
    const out = new Map<string, { partitions: TopicPartition[]; userData: Buffer }>()
    if (members.length === 0) return out
    const infos = new Map(input.members.map((m) => [m.memberId, parse<Partial<SubscriptionInfo>>(m.userData)]))
    const offset = (member: string, task: string): number | undefined => infos.get(member)?.state?.[task]

    const load = new Map(members.map((m) => [m, [] as string[]]))
    const owner = new Map<string, string>()
    // Balance: every member gets `base` tasks, and `extra` of them one more.
    const base = Math.floor(tasks.size / members.length)
    let extra = tasks.size - base * members.length
    const take = (task: string, member: string): boolean => {
      const n = load.get(member)!.length
      if (n >= base + 1 || (n === base && extra === 0)) return false
      if (n === base) extra--
      owner.set(task, member)
      load.get(member)!.push(task)
      return true
    }
    // 1. Previous owners keep their tasks.
    for (const m of members) {
      for (const task of [...(infos.get(m)?.active ?? [])].sort(compareTaskIds)) if (tasks.has(task) && !owner.has(task)) take(task, m)
    }
    // 2. Then the member whose local state is furthest along, 3. then the least loaded.
    for (const task of tasks.keys()) {
      if (owner.has(task)) continue
      const holders = members.filter((m) => offset(m, task) !== undefined).sort((a, b) => offset(b, task)! - offset(a, task)!)
      if (holders.some((m) => take(task, m))) continue
      // The least-loaded member always has room: some task is still unassigned.
      take(task, members.reduce((best, m) => (load.get(m)!.length < load.get(best)!.length ? m : best)))
    }

    const standbys = assignStandbys({ members, tasks: [...stateful].sort(compareTaskIds), owner, replicas: this.#standbys, offset, load })
    const hosts: { [server: string]: { active: string[]; standby: string[] } } = {}
    for (const m of members) {
      const server = infos.get(m)?.server
      if (server === undefined) continue
      const h = (hosts[server] ??= { active: [], standby: [] })
      h.active.push(...load.get(m)!)
      h.standby.push(...(standbys.get(m) ?? []))
    }
    for (const h of Object.values(hosts)) {
      h.active.sort(compareTaskIds)
      h.standby.sort(compareTaskIds)
    }
    for (const m of members) {
      const active = load.get(m)!.sort(compareTaskIds)
      const info: AssignmentInfo = { version: 2, active, standby: (standbys.get(m) ?? []).sort(compareTaskIds), hosts }
      out.set(m, { partitions: active.flatMap((t) => tasks.get(t)!), userData: Buffer.from(JSON.stringify(info)) })
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
