import { CommitFailedError, KafkaClientError } from '../errors.ts'
import type { GroupAssignor, TopicPartition, TopicPartitionOffset } from '../port.ts'
import { partitionKey } from '../port.ts'
import { assignRange } from './range-assignor.ts'

export interface MemberAssignment {
  readonly generation: number
  readonly partitions: TopicPartition[]
  readonly userData: Buffer
}

interface Member {
  readonly id: string
  readonly topics: ReadonlyArray<string>
  readonly assignor: GroupAssignor | undefined
  userData: Buffer
  /** Liveness: the member is evicted once this is older than the session timeout. */
  aliveUntil: number
  assignment: MemberAssignment | undefined
}

export interface GroupEnvironment {
  readonly sessionTimeoutMs: number
  readonly rebalanceTimeoutMs: number
  /** Partition counts of the topics that exist among `topics`. */
  partitionCounts(topics: Iterable<string>): Map<string, number>
  notify(): void
}

const EMPTY = Buffer.alloc(0)

/**
 * One consumer group on the embedded broker's group coordinator, with Kafka's eager protocol:
 * a join, leave or eviction starts a rebalance; every member then revokes everything and rejoins
 * inside its own `poll()`; when all have rejoined (or the stragglers are evicted after the
 * rebalance timeout) the leader's assignor runs and a new generation starts. Nobody gets a
 * partition before its previous owner revoked it, so a handover never runs two owners at once.
 */
export class ConsumerGroup {
  readonly id: string
  readonly #env: GroupEnvironment
  readonly #members = new Map<string, Member>()
  readonly #joined = new Set<string>()
  readonly #committed = new Map<string, number>()
  #generation = 0
  #state: 'empty' | 'rebalancing' | 'stable' = 'empty'
  #rebalanceDeadline = 0
  #rebalanceTimer: ReturnType<typeof setTimeout> | undefined
  #nextMember = 0
  #assignError: unknown

  constructor(id: string, env: GroupEnvironment) {
    this.id = id
    this.#env = env
  }

  get generation(): number {
    return this.#generation
  }

  get state(): 'empty' | 'rebalancing' | 'stable' {
    return this.#state
  }

  memberIds(): string[] {
    return [...this.#members.keys()]
  }

  subscribesTo(topic: string): boolean {
    for (const member of this.#members.values()) if (member.topics.includes(topic)) return true
    return false
  }

  join(topics: ReadonlyArray<string>, assignor: GroupAssignor | undefined, userData: Buffer): string {
    const name = assignor?.name ?? 'range'
    for (const other of this.#members.values()) {
      if ((other.assignor?.name ?? 'range') !== name) {
        throw new KafkaClientError(
          `Group "${this.id}": member uses assignor "${name}" but the group uses "${other.assignor?.name ?? 'range'}" (InconsistentGroupProtocol)`,
        )
      }
    }
    const id = `${this.id}-member-${String(++this.#nextMember).padStart(6, '0')}`
    this.#members.set(id, {
      id,
      topics: [...topics],
      assignor,
      userData,
      aliveUntil: Date.now() + this.#env.sessionTimeoutMs,
      assignment: undefined,
    })
    this.#startRebalance()
    this.#joined.add(id)
    this.#maybeComplete()
    return id
  }

  /** After revoking, a member rejoins the running rebalance; false if it is no longer a member. */
  rejoin(memberId: string, userData: Buffer): boolean {
    const member = this.#members.get(memberId)
    if (!member) return false
    member.userData = userData
    if (this.#state === 'rebalancing') {
      this.#joined.add(memberId)
      this.#maybeComplete()
    }
    return true
  }

  leave(memberId: string): void {
    if (!this.#members.delete(memberId)) return
    this.#joined.delete(memberId)
    if (this.#members.size === 0) {
      this.#becomeEmpty()
      return
    }
    this.#startRebalance()
    this.#maybeComplete()
  }

  isMember(memberId: string | undefined): boolean {
    return memberId !== undefined && this.#members.has(memberId)
  }

  needsRejoin(memberId: string): boolean {
    return this.#state === 'rebalancing' && this.#members.has(memberId) && !this.#joined.has(memberId)
  }

  /** The member's assignment of the current generation, once the group is stable. */
  assignmentOf(memberId: string): MemberAssignment | undefined {
    if (this.#state !== 'stable') return undefined
    if (this.#assignError !== undefined) throw this.#assignError
    return this.#members.get(memberId)?.assignment
  }

  /** Marks the member alive until `aliveUntil` and evicts members that stopped polling. */
  heartbeat(memberId: string, aliveUntil: number): void {
    const member = this.#members.get(memberId)
    if (member && member.aliveUntil < aliveUntil + this.#env.sessionTimeoutMs) {
      member.aliveUntil = aliveUntil + this.#env.sessionTimeoutMs
    }
    this.#expire()
  }

  /** Subscribed topic metadata changed (a topic was created or deleted): reassign. */
  requestRebalance(): void {
    if (this.#members.size === 0) return
    this.#startRebalance()
  }

  commit(memberId: string, generation: number, offsets: ReadonlyArray<TopicPartitionOffset>): void {
    if (!this.#members.has(memberId)) {
      throw new CommitFailedError(
        `Group "${this.id}": commit from ${memberId}, which is no longer a member (evicted after missing the session or rebalance timeout); its partitions may have moved`,
      )
    }
    if (generation !== this.#generation) {
      throw new CommitFailedError(
        `Group "${this.id}": commit from generation ${generation}, but the group is at generation ${this.#generation}; rejoin first`,
      )
    }
    this.storeOffsets(offsets)
  }

  /** Offsets committed by a transaction (no generation check: the transactional id fences zombies). */
  storeOffsets(offsets: ReadonlyArray<TopicPartitionOffset>): void {
    for (const o of offsets) this.#committed.set(partitionKey(o.topic, o.partition), o.offset)
  }

  committed(partitions: ReadonlyArray<TopicPartition>): Map<string, number> {
    const out = new Map<string, number>()
    for (const p of partitions) {
      const key = partitionKey(p.topic, p.partition)
      const offset = this.#committed.get(key)
      if (offset !== undefined) out.set(key, offset)
    }
    return out
  }

  allCommitted(): Map<string, number> {
    return new Map(this.#committed)
  }

  #startRebalance(): void {
    if (this.#state !== 'rebalancing') {
      this.#state = 'rebalancing'
      this.#joined.clear()
      this.#rebalanceDeadline = Date.now() + this.#env.rebalanceTimeoutMs
      clearTimeout(this.#rebalanceTimer)
      this.#rebalanceTimer = setTimeout(() => this.#expire(), this.#env.rebalanceTimeoutMs + 1)
      this.#rebalanceTimer.unref()
    }
    this.#env.notify()
  }

  #expire(): void {
    const now = Date.now()
    const evicted: string[] = []
    for (const member of this.#members.values()) {
      const straggler = this.#state === 'rebalancing' && now >= this.#rebalanceDeadline && !this.#joined.has(member.id)
      if (straggler || member.aliveUntil < now) evicted.push(member.id)
    }
    if (evicted.length === 0) return
    for (const id of evicted) {
      this.#members.delete(id)
      this.#joined.delete(id)
    }
    if (this.#members.size === 0) {
      this.#becomeEmpty()
      return
    }
    this.#startRebalance()
    this.#maybeComplete()
  }

  #becomeEmpty(): void {
    clearTimeout(this.#rebalanceTimer)
    this.#state = 'empty'
    this.#joined.clear()
    this.#generation++
    this.#env.notify()
  }

  #maybeComplete(): void {
    if (this.#state !== 'rebalancing') return
    for (const id of this.#members.keys()) if (!this.#joined.has(id)) return
    const members = [...this.#members.values()]
    const leader = members[0]!
    const topics = new Set<string>()
    for (const m of members) for (const t of m.topics) topics.add(t)
    const counts = this.#env.partitionCounts(topics)
    let result: Map<string, { partitions: TopicPartition[]; userData: Buffer }>
    this.#assignError = undefined
    try {
      result = leader.assignor
        ? leader.assignor.assign({ members: members.map((m) => ({ memberId: m.id, userData: m.userData })), topics: counts })
        : assignRange(new Map(members.map((m) => [m.id, m.topics])), counts)
    } catch (error) {
      // Surfaced to every member's next poll, as a failed SyncGroup would be.
      this.#assignError = error
      result = new Map()
    }
    this.#generation++
    for (const m of members) {
      const a = result.get(m.id)
      m.assignment = { generation: this.#generation, partitions: a?.partitions ?? [], userData: a?.userData ?? EMPTY }
    }
    clearTimeout(this.#rebalanceTimer)
    this.#state = 'stable'
    this.#joined.clear()
    this.#env.notify()
  }
}
