import { KafkaClientError } from '../errors.ts'
import { murmur2Partition } from '../murmur2.ts'
import type {
  Admin,
  Consumer,
  ConsumerConfig,
  ConsumerRecord,
  KafkaClient,
  PartitionReader,
  Producer,
  ProducerConfig,
  TopicDescription,
} from '../port.ts'
import { EmbeddedAdmin } from './admin.ts'
import { ConsumerGroup } from './consumer-group.ts'
import { EmbeddedConsumer } from './consumer.ts'
import { PartitionLog } from './partition-log.ts'
import { EmbeddedPartitionReader } from './partition-reader.ts'
import { EmbeddedProducer, type ProduceTarget } from './producer.ts'
import { Signal } from './signal.ts'
import { TransactionCoordinator } from './transaction-coordinator.ts'

export interface EmbeddedKafkaOptions {
  /** Partitions of a topic created by producing to it (Kafka's `num.partitions`); default 1. */
  readonly defaultPartitions?: number
  /** Create unknown topics on produce (Kafka's `auto.create.topics.enable`); default true. */
  readonly autoCreateTopics?: boolean
  /** Most records one `poll()` returns (Kafka's `max.poll.records`); default 1000. */
  readonly maxPollRecords?: number
  /** Records per batch of a PartitionReader; default 10000. */
  readonly readerBatchSize?: number
  /** A member that has not polled for this long is evicted from its group; default 30000. */
  readonly sessionTimeoutMs?: number
  /** How long a rebalance waits for members to rejoin before evicting them; default 30000. */
  readonly rebalanceTimeoutMs?: number
  /** Open transactions older than this are aborted and their producer fenced; default 60000. */
  readonly transactionTimeoutMs?: number
}

interface Topic extends ProduceTarget {
  readonly name: string
  readonly partitions: PartitionLog[]
  readonly config: { readonly [key: string]: string }
}

/**
 * An in-process Kafka cluster implementing the client port (DESIGN.md, decision 2): topics,
 * partitions, consumer groups with eager rebalances and pluggable assignors, committed offsets,
 * transactions with read_committed isolation and fencing, and compaction on demand. Several app
 * instances in one process share one `EmbeddedKafka` as their `client`, like several processes
 * share a cluster.
 */
export class EmbeddedKafka implements KafkaClient {
  readonly signal = new Signal()
  readonly transactions: TransactionCoordinator
  readonly #topics = new Map<string, Topic>()
  readonly #groups = new Map<string, ConsumerGroup>()
  readonly #options: Required<EmbeddedKafkaOptions>

  constructor(options: EmbeddedKafkaOptions = {}) {
    this.#options = {
      defaultPartitions: options.defaultPartitions ?? 1,
      autoCreateTopics: options.autoCreateTopics ?? true,
      maxPollRecords: options.maxPollRecords ?? 1000,
      readerBatchSize: options.readerBatchSize ?? 10_000,
      sessionTimeoutMs: options.sessionTimeoutMs ?? 30_000,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 30_000,
      transactionTimeoutMs: options.transactionTimeoutMs ?? 60_000,
    }
    this.transactions = new TransactionCoordinator({
      transactionTimeoutMs: this.#options.transactionTimeoutMs,
      storeOffsets: (groupId, offsets) => this.group(groupId).storeOffsets(offsets),
      notify: () => this.signal.notify(),
    })
  }

  /** The port view; the broker is its own client, shared by every instance that uses it. */
  client(): KafkaClient {
    return this
  }

  admin(): Admin {
    return new EmbeddedAdmin(this)
  }

  consumer(config: ConsumerConfig): Consumer {
    return new EmbeddedConsumer(this, config, this.#options.maxPollRecords)
  }

  producer(config: ProducerConfig): Producer {
    return new EmbeddedProducer(this, config)
  }

  partitionReader(config: { readonly isolationLevel: 'read_committed' | 'read_uncommitted' }): PartitionReader {
    return new EmbeddedPartitionReader(
      (topic, partition) => this.log(topic, partition),
      config.isolationLevel === 'read_committed',
      this.#options.readerBatchSize,
    )
  }

  partitionFor(key: Buffer, numPartitions: number): number {
    return murmur2Partition(key, numPartitions)
  }

  // --- broker internals, used by the consumer, producer and admin of this broker -------------

  hasTopic(name: string): boolean {
    return this.#topics.has(name)
  }

  createTopic(name: string, numPartitions: number, config: { readonly [key: string]: string } = {}): void {
    if (this.#topics.has(name)) throw new KafkaClientError(`Topic "${name}" already exists`)
    if (!Number.isInteger(numPartitions) || numPartitions < 1) {
      throw new KafkaClientError(`Topic "${name}" needs a positive whole number of partitions, got ${numPartitions}`)
    }
    const partitions: PartitionLog[] = []
    for (let p = 0; p < numPartitions; p++) partitions.push(new PartitionLog(name, p))
    const compacted = (config['cleanup.policy'] ?? '').split(',').includes('compact')
    this.#topics.set(name, { name, partitions, config: { ...config }, compacted })
    this.#topicsChanged(name)
  }

  deleteTopic(name: string): void {
    if (this.#topics.delete(name)) this.#topicsChanged(name)
  }

  describeTopic(name: string): TopicDescription | undefined {
    const topic = this.#topics.get(name)
    return topic && { name, numPartitions: topic.partitions.length, config: { ...topic.config } }
  }

  log(topic: string, partition: number): PartitionLog | undefined {
    return this.#topics.get(topic)?.partitions[partition]
  }

  topicForProduce(topic: string): ProduceTarget | undefined {
    const existing = this.#topics.get(topic)
    if (existing) return existing
    if (!this.#options.autoCreateTopics) return undefined
    this.createTopic(topic, this.#options.defaultPartitions)
    return this.#topics.get(topic)!
  }

  isCompacted(topic: string): boolean {
    return this.#topics.get(topic)?.compacted === true
  }

  group(groupId: string): ConsumerGroup {
    let group = this.#groups.get(groupId)
    if (!group) {
      group = new ConsumerGroup(groupId, {
        sessionTimeoutMs: this.#options.sessionTimeoutMs,
        rebalanceTimeoutMs: this.#options.rebalanceTimeoutMs,
        partitionCounts: (topics) => {
          const counts = new Map<string, number>()
          for (const t of topics) {
            const topic = this.#topics.get(t)
            if (topic) counts.set(t, topic.partitions.length)
          }
          return counts
        },
        notify: () => this.signal.notify(),
      })
      this.#groups.set(groupId, group)
    }
    return group
  }

  // --- test helpers --------------------------------------------------------------------------

  /** Compacts a `cleanup.policy=compact` topic now: latest value per key, no tombstones. */
  compact(topic: string): void {
    const t = this.#topics.get(topic)
    if (!t) throw new KafkaClientError(`Topic "${topic}" does not exist`)
    if (!this.isCompacted(topic)) throw new KafkaClientError(`Topic "${topic}" is not compacted (cleanup.policy=${t.config['cleanup.policy'] ?? 'delete'})`)
    for (const log of t.partitions) log.compact()
  }

  /** Every record of a topic (or one partition), partition by partition, as a reader with that isolation sees it. */
  records(topic: string, options: { readonly partition?: number; readonly isolationLevel?: 'read_committed' | 'read_uncommitted' } = {}): ConsumerRecord[] {
    const t = this.#topics.get(topic)
    if (!t) return []
    const committed = options.isolationLevel === 'read_committed'
    const out: ConsumerRecord[] = []
    for (const log of t.partitions) {
      if (options.partition !== undefined && log.partition !== options.partition) continue
      const bound = committed ? log.lastStableOffset : log.highWatermark
      const result = log.read(log.logStartOffset, Number.MAX_SAFE_INTEGER, bound, committed)
      for (const r of result.records) out.push(r)
    }
    return out
  }

  topicNames(): string[] {
    return [...this.#topics.keys()]
  }

  #topicsChanged(topic: string): void {
    for (const group of this.#groups.values()) if (group.subscribesTo(topic)) group.requestRebalance()
    this.signal.notify()
  }
}

export function createEmbeddedKafka(options: EmbeddedKafkaOptions = {}): EmbeddedKafka {
  return new EmbeddedKafka(options)
}
