import { ClientClosedError, KafkaClientError } from '../errors.ts'
import type { Consumer, ConsumerConfig, ConsumerRecord, OffsetRange, TopicPartition, TopicPartitionOffset } from '../port.ts'
import { partitionKey } from '../port.ts'
import type { ConsumerGroup } from './consumer-group.ts'
import type { PartitionLog } from './partition-log.ts'
import type { Signal } from './signal.ts'
import { yieldToEventLoop } from './signal.ts'

/** What a consumer needs from the broker. */
export interface ConsumerBroker {
  readonly signal: Signal
  group(groupId: string): ConsumerGroup
  log(topic: string, partition: number): PartitionLog | undefined
}

/** A member of a consumer group on the embedded broker; rebalances run inside `poll()`. */
export class EmbeddedConsumer implements Consumer {
  readonly #broker: ConsumerBroker
  readonly #config: ConsumerConfig
  readonly #maxPollRecords: number
  readonly #readCommitted: boolean
  #group: ConsumerGroup | undefined
  #memberId: string | undefined
  /** Generation of the assignment applied through the listener; -1 = holds none. */
  #generation = -1
  #assignment: TopicPartition[] = []
  readonly #positions = new Map<string, number>()
  /** Markers and aborted records read past; they hold no record, so they stay valid across seeks. */
  readonly #skipped = new Map<string, OffsetRange>()
  readonly #paused = new Set<string>()
  #nextPartition = 0
  #closed = false

  constructor(broker: ConsumerBroker, config: ConsumerConfig, maxPollRecords: number) {
    this.#broker = broker
    this.#config = config
    this.#maxPollRecords = config.maxPollRecords ?? maxPollRecords
    this.#readCommitted = config.isolationLevel === 'read_committed'
  }

  /** The member id the coordinator gave this consumer (changes if it was evicted and rejoined). */
  get memberId(): string | undefined {
    return this.#memberId
  }

  async connect(): Promise<void> {
    this.#checkOpen()
    if (this.#group) return
    this.#group = this.#broker.group(this.#config.groupId)
    this.#memberId = this.#join(this.#group)
  }

  async poll(maxWaitMs: number): Promise<ConsumerRecord[]> {
    const group = this.#connected()
    await yieldToEventLoop()
    const deadline = Date.now() + maxWaitMs
    const generation = this.#generation
    for (;;) {
      if (this.#closed) return []
      await this.#syncGroup(group)
      if (this.#closed) return []
      if (this.#generation === group.generation && group.state === 'stable') {
        const records = this.#fetch()
        if (records.length > 0) return records
        // A new assignment was just applied and nothing is fetchable (the caller may have paused
        // it, to restore first): hand control back now instead of waiting out the poll.
        if (this.#generation !== generation) return []
      }
      const remaining = deadline - Date.now()
      if (remaining <= 0) return []
      group.heartbeat(this.#memberId!, deadline)
      await this.#broker.signal.wait(remaining)
    }
  }

  assignment(): TopicPartition[] {
    return [...this.#assignment]
  }

  pause(partitions: ReadonlyArray<TopicPartition>): void {
    for (const p of partitions) this.#paused.add(partitionKey(p.topic, p.partition))
  }

  resume(partitions: ReadonlyArray<TopicPartition>): void {
    for (const p of partitions) this.#paused.delete(partitionKey(p.topic, p.partition))
  }

  seek(partition: TopicPartitionOffset): void {
    this.#checkOpen()
    if (!this.#assignment.some((p) => p.topic === partition.topic && p.partition === partition.partition)) {
      throw new KafkaClientError(`Cannot seek ${partition.topic}-${partition.partition}: not assigned to this consumer`)
    }
    this.#positions.set(partitionKey(partition.topic, partition.partition), partition.offset)
  }

  enforceRebalance(): void {
    this.#connected().requestRebalance()
  }

  async commit(offsets: ReadonlyArray<TopicPartitionOffset>): Promise<void> {
    const group = this.#connected()
    group.commit(this.#memberId!, this.#generation, offsets)
  }

  skippedOffsets(partition: TopicPartition): OffsetRange | undefined {
    return this.#skipped.get(partitionKey(partition.topic, partition.partition))
  }

  async committed(partitions: ReadonlyArray<TopicPartition>): Promise<Map<string, number>> {
    return this.#connected().committed(partitions)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    const group = this.#group
    if (group && group.isMember(this.#memberId)) await this.#revokeAll()
    this.#closed = true
    if (group && this.#memberId !== undefined) group.leave(this.#memberId)
  }

  #join(group: ConsumerGroup): string {
    const userData = this.#config.assignor?.subscriptionUserData() ?? Buffer.alloc(0)
    return group.join(this.#config.topics, this.#config.assignor, userData)
  }

  /** Brings this member up to date with the group: revoke and rejoin, or apply a new assignment. */
  async #syncGroup(group: ConsumerGroup): Promise<void> {
    // Bounded: each step awaits a listener, during which the group may move on again.
    for (let step = 0; step < 16 && !this.#closed; step++) {
      if (!group.isMember(this.#memberId)) {
        // Evicted (missed the session or rebalance timeout): its partitions are lost; join afresh.
        await this.#revokeAll()
        this.#memberId = this.#join(group)
        continue
      }
      const memberId = this.#memberId!
      group.heartbeat(memberId, Date.now())
      if (group.needsRejoin(memberId)) {
        await this.#revokeAll()
        group.rejoin(memberId, this.#config.assignor?.subscriptionUserData() ?? Buffer.alloc(0))
        continue
      }
      const assignment = group.assignmentOf(memberId)
      if (assignment && assignment.generation !== this.#generation) {
        if (this.#generation !== -1) {
          // A generation passed without this member revoking (it was idle through a rebalance
          // that completed without it needing to rejoin, e.g. after an eviction): revoke first.
          await this.#revokeAll()
          continue
        }
        this.#generation = assignment.generation
        this.#assignment = [...assignment.partitions]
        this.#positions.clear()
        this.#paused.clear()
        this.#config.assignor?.onAssignment?.(assignment.userData)
        await this.#config.rebalanceListener.onPartitionsAssigned(this.assignment())
        continue
      }
      return
    }
  }

  async #revokeAll(): Promise<void> {
    if (this.#generation === -1) return
    const revoked = this.assignment()
    await this.#config.rebalanceListener.onPartitionsRevoked(revoked)
    this.#generation = -1
    this.#assignment = []
    this.#positions.clear()
    this.#paused.clear()
  }

  #fetch(): ConsumerRecord[] {
    const assigned = this.#assignment
    const n = assigned.length
    if (n === 0) return []
    let out: ConsumerRecord[] | undefined
    let remaining = this.#maxPollRecords
    const start = this.#nextPartition % n
    this.#nextPartition = start + 1
    for (let i = 0; i < n && remaining > 0; i++) {
      const tp = assigned[(start + i) % n]!
      const key = partitionKey(tp.topic, tp.partition)
      if (this.#paused.has(key)) continue
      const log = this.#broker.log(tp.topic, tp.partition)
      if (!log) continue
      const bound = this.#readCommitted ? log.lastStableOffset : log.highWatermark
      let position = this.#positions.get(key)
      if (position === undefined) {
        position = this.#group!.committed([tp]).get(key)
        if (position === undefined) position = this.#config.autoOffsetReset === 'earliest' ? log.logStartOffset : bound
        this.#positions.set(key, position)
      }
      if (position >= bound) continue
      const result = log.read(position, remaining, bound, this.#readCommitted)
      this.#positions.set(key, result.next)
      const last = result.records.length === 0 ? position : result.records[result.records.length - 1]!.offset + 1
      if (result.next > last) this.#skipped.set(key, { from: last, to: result.next })
      if (result.records.length === 0) continue
      remaining -= result.records.length
      if (out === undefined) out = result.records
      else for (const r of result.records) out.push(r)
    }
    return out ?? []
  }

  #connected(): ConsumerGroup {
    this.#checkOpen()
    if (!this.#group) throw new KafkaClientError('Consumer is not connected: call connect() first')
    return this.#group
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClientClosedError('Consumer is closed')
  }
}
