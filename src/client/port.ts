/**
 * The client port: everything the runtime needs from Kafka, owned by kstreams (DESIGN.md,
 * decision 2). Two adapters implement it: the kafkajs adapter and the in-process embedded broker.
 * No client library type appears here, so another client can be added without touching the runtime.
 *
 * Offsets are JS numbers (safe to 2^53). Keys and values are bytes; `null` value = tombstone.
 * The consumer is poll-based, like the Java consumer Kafka Streams is built on.
 */

export interface TopicPartition {
  readonly topic: string
  readonly partition: number
}

export interface TopicPartitionOffset extends TopicPartition {
  /** The next offset to read (Kafka's committed-offset convention). */
  readonly offset: number
}

export type ClientHeaders = { readonly [key: string]: Buffer }

/** A record read from a partition. */
export interface ConsumerRecord {
  readonly topic: string
  readonly partition: number
  readonly offset: number
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly timestamp: number
  readonly headers: ClientHeaders
}

/** A record to write. Without `partition`, the producer's partitioner (murmur2 on the key) picks one. */
export interface ProducerRecord {
  readonly topic: string
  readonly partition?: number
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly timestamp: number
  readonly headers?: ClientHeaders
}

export interface RecordMetadataResult extends TopicPartition {
  readonly offset: number
}

export interface TopicSpec {
  readonly name: string
  readonly numPartitions: number
  readonly replicationFactor?: number
  /** Topic configs, e.g. `{ 'cleanup.policy': 'compact' }`. */
  readonly config?: { readonly [key: string]: string }
}

export interface TopicDescription {
  readonly name: string
  readonly numPartitions: number
  readonly config: { readonly [key: string]: string }
}

export interface Admin {
  /** Creates the topics that do not exist yet; existing ones are left alone. */
  createTopics(topics: ReadonlyArray<TopicSpec>): Promise<void>
  /** Descriptions of the topics that exist; missing names are absent from the map. */
  describeTopics(names: ReadonlyArray<string>): Promise<Map<string, TopicDescription>>
  deleteTopics(names: ReadonlyArray<string>): Promise<void>
  /** Offset of the next record to be written to each partition (the high watermark). */
  endOffsets(partitions: ReadonlyArray<TopicPartition>): Promise<Map<string, number>>
  /** Committed offsets of a consumer group; key `${topic}:${partition}`. */
  committedOffsets(groupId: string, partitions: ReadonlyArray<TopicPartition>): Promise<Map<string, number>>
  close(): Promise<void>
}

/** The member's view of a rebalance, delivered inside `poll()` (never concurrently with it). */
export interface RebalanceListener {
  /** Called before partitions are taken away; the runtime commits and closes their tasks here. */
  onPartitionsRevoked(partitions: ReadonlyArray<TopicPartition>): Promise<void> | void
  onPartitionsAssigned(partitions: ReadonlyArray<TopicPartition>): Promise<void> | void
}

/**
 * A pluggable group assignor, run on the group leader. Members send `userData` (e.g. the tasks
 * they own and their local state offsets); the assignor returns each member's partitions and
 * userData back (e.g. standby tasks).
 */
export interface GroupAssignor {
  readonly name: string
  /** This member's subscription user data, asked for at every join. */
  subscriptionUserData(): Buffer
  assign(input: {
    readonly members: ReadonlyArray<{ readonly memberId: string; readonly userData: Buffer }>
    readonly topics: ReadonlyMap<string, number>
  }): Map<string, { partitions: TopicPartition[]; userData: Buffer }>
  /** The assignment's user data as this member received it. */
  onAssignment?(userData: Buffer): void
}

export interface ConsumerConfig {
  readonly groupId: string
  readonly topics: ReadonlyArray<string>
  readonly isolationLevel: 'read_committed' | 'read_uncommitted'
  /** Where to start a partition without a committed offset. */
  readonly autoOffsetReset: 'earliest' | 'latest'
  readonly assignor?: GroupAssignor
  readonly rebalanceListener: RebalanceListener
  /** Most records one `poll()` returns (Kafka's `max.poll.records`); the adapter's default if unset. */
  readonly maxPollRecords?: number
}

/** Offsets `from` (inclusive) to `to` (exclusive). */
export interface OffsetRange {
  readonly from: number
  readonly to: number
}

export interface Consumer {
  /** Joins the group; assignment arrives through the rebalance listener during `poll()`. */
  connect(): Promise<void>
  /** Records from assigned, unpaused partitions; waits up to `maxWaitMs` when none are ready. */
  poll(maxWaitMs: number): Promise<ConsumerRecord[]>
  assignment(): TopicPartition[]
  pause(partitions: ReadonlyArray<TopicPartition>): void
  resume(partitions: ReadonlyArray<TopicPartition>): void
  seek(partition: TopicPartitionOffset): void
  commit(offsets: ReadonlyArray<TopicPartitionOffset>): Promise<void>
  committed(partitions: ReadonlyArray<TopicPartition>): Promise<Map<string, number>>
  /**
   * The latest run of offsets `[from, to)` of the partition this consumer fetched past without a
   * record to return — transaction markers, aborted records — or undefined. A position inside it
   * is as far along as `to`, as the Java consumer's position moves past control records: lag uses
   * it. Optional; such offsets then count as lag.
   */
  skippedOffsets?(partition: TopicPartition): OffsetRange | undefined
  /**
   * Asks for a rebalance (Java's `enforceRebalance()`): on a following `poll()` the member revokes
   * everything through the listener and rejoins, and gets its tasks back only with the new
   * assignment. The runtime calls it after its tasks were found migrated (fenced), so a member
   * that may no longer be in the group never resumes its old assignment on its own.
   */
  enforceRebalance(): void
  /** Leaves the group (revoking through the listener first). */
  close(): Promise<void>
}

export interface ProducerConfig {
  /** Set for exactly-once: one transactional producer per task, `<applicationId>-<taskId>`. */
  readonly transactionalId?: string
}

export interface Producer {
  connect(): Promise<void>
  send(records: ReadonlyArray<ProducerRecord>): Promise<RecordMetadataResult[]>
  beginTransaction(): Promise<void>
  /** Adds consumed offsets to the open transaction. */
  sendOffsets(groupId: string, offsets: ReadonlyArray<TopicPartitionOffset>): Promise<void>
  commitTransaction(): Promise<void>
  abortTransaction(): Promise<void>
  close(): Promise<void>
}

/**
 * Reads one partition from an offset outside any consumer group: changelog restore, standby
 * tasks and global tables use it.
 */
export interface PartitionReader {
  /** Batches of records with `from <= offset < to`, in offset order. */
  read(partition: TopicPartition, from: number, to: number): AsyncIterable<ConsumerRecord[]>
  close(): Promise<void>
}

/** One Kafka cluster, as the runtime sees it. */
export interface KafkaClient {
  admin(): Admin
  consumer(config: ConsumerConfig): Consumer
  producer(config: ProducerConfig): Producer
  partitionReader(config: { readonly isolationLevel: 'read_committed' | 'read_uncommitted' }): PartitionReader
  /** The partition a key maps to with the default partitioner (murmur2, like the Java client). */
  partitionFor(key: Buffer, numPartitions: number): number
}

export const partitionKey = (topic: string, partition: number): string => `${topic}:${partition}`
