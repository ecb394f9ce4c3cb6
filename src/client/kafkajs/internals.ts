import type { Kafka } from 'kafkajs'
import { KafkaClientError } from '../errors.ts'
import { protocolErrorType } from './errors.ts'
import type { FetchedMessage } from './records.ts'
import type { CoordinatorBroker } from './stable-offset-fetch.ts'

/**
 * The two things the public kafkajs API cannot do: fetch a partition outside a consumer group
 * (restore, standbys, global tables) and list offsets with read_uncommitted isolation (the high
 * watermark, not the last stable offset). Both go through kafkajs's own `Cluster`, created by the
 * same private factory its producer, consumer and admin use, so brokers, TLS, SASL, timeouts,
 * retries and logging are configured exactly like theirs. kafkajs 2.2.4 is its last release, so
 * these internals are frozen; `test/client/kafkajs/` exercises every member used here.
 */

/** kafkajs's default; without it the cluster would never refresh metadata on its own. */
const METADATA_MAX_AGE_MS = 300_000

export const READ_UNCOMMITTED = 0
export const READ_COMMITTED = 1

export interface RawMessage extends FetchedMessage {
  readonly isControlRecord?: boolean
  /** The record batch the message came in (magic v2 record batches only). */
  readonly batchContext?: {
    readonly firstOffset: string
    readonly lastOffsetDelta: number
    readonly producerId: string
    readonly inTransaction: boolean
  }
}

export interface FetchedPartition {
  readonly partition: number
  readonly errorCode: number
  readonly highWatermark: string
  readonly lastStableOffset: string
  readonly abortedTransactions?: ReadonlyArray<{ readonly producerId: string; readonly firstOffset: string }>
  readonly messages: ReadonlyArray<RawMessage>
}

export interface InternalBroker {
  fetch(request: {
    isolationLevel: number
    maxWaitTime: number
    minBytes: number
    maxBytes: number
    topics: Array<{ topic: string; partitions: Array<{ partition: number; fetchOffset: string; maxBytes: number }> }>
  }): Promise<{ responses: Array<{ topicName: string; partitions: FetchedPartition[] }> }>
}

interface TopicMetadata {
  topicMetadata: Array<{ topic: string; partitionMetadata: Array<{ readonly partitionId: number; readonly leader: number }> }>
}

export interface InternalCluster {
  connect(): Promise<void>
  disconnect(): Promise<void>
  readonly brokerPool: {
    readonly seedBroker?: { isConnected(): boolean; connect(): Promise<void>; metadata(topics: string[]): Promise<TopicMetadata> }
  }
  addTargetTopic(topic: string): Promise<void>
  addMultipleTargetTopics(topics: string[]): Promise<void>
  refreshMetadata(): Promise<void>
  findTopicPartitionMetadata(topic: string): Array<{ readonly partitionId: number; readonly leader: number }>
  findLeaderForPartitions(topic: string, partitions: number[]): { [nodeId: string]: number[] }
  findBroker(node: { nodeId: string | number }): Promise<InternalBroker>
  findGroupCoordinator(request: { groupId: string }): Promise<CoordinatorBroker>
  fetchTopicsOffset(
    topics: Array<{ topic: string; partitions: Array<{ partition: number }>; fromBeginning: boolean }>,
  ): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>
}

type CreateCluster = (options: {
  allowAutoTopicCreation: boolean
  isolationLevel: number
  metadataMaxAge?: number
}) => InternalCluster

/** A kafkajs `Cluster` configured like `kafka`'s own clients, with the given isolation level. */
export function createInternalCluster(kafka: Kafka, options: { readonly isolationLevel: number }): InternalCluster {
  const key = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster')
  const create = key === undefined ? undefined : (kafka as unknown as Record<symbol, unknown>)[key]
  if (typeof create !== 'function') {
    throw new KafkaClientError('This kafkajs version does not expose its cluster factory; the kstreams adapter needs kafkajs 2.2.x')
  }
  return (create as CreateCluster).call(kafka, {
    allowAutoTopicCreation: false,
    isolationLevel: options.isolationLevel,
    metadataMaxAge: METADATA_MAX_AGE_MS,
  })
}

/**
 * The partition ids of those `topics` that exist, from one Metadata request for just these topics
 * (per topic only when some are missing). kafkajs's own lookups retry an unknown topic for
 * seconds, and its "list topics" fetches the metadata of every topic in the cluster.
 */
export async function existingPartitions(cluster: InternalCluster, topics: ReadonlyArray<string>): Promise<Map<string, Set<number>>> {
  const out = new Map<string, Set<number>>()
  // kafkajs sends an empty topic list as null: "every topic".
  if (topics.length === 0) return out
  await cluster.connect()
  const seed = cluster.brokerPool.seedBroker
  if (!seed) throw new KafkaClientError('kafkajs cluster has no seed broker after connecting')
  if (!seed.isConnected()) await seed.connect()
  const ask = async (names: string[]): Promise<void> => {
    const { topicMetadata } = await seed.metadata(names)
    for (const t of topicMetadata) out.set(t.topic, new Set(t.partitionMetadata.map((p) => p.partitionId)))
  }
  const unknown = (error: unknown): boolean => protocolErrorType(error) === 'UNKNOWN_TOPIC_OR_PARTITION'
  try {
    await ask([...new Set(topics)])
  } catch (error) {
    if (!unknown(error)) throw error
    if (topics.length > 1) {
      for (const topic of new Set(topics)) await ask([topic]).catch((e: unknown) => {
        if (!unknown(e)) throw e
      })
    }
  }
  return out
}
