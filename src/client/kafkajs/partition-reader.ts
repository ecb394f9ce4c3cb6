import type { Kafka } from 'kafkajs'
import { ClientClosedError, UnknownTopicOrPartitionError } from '../errors.ts'
import type { ConsumerRecord, PartitionReader, TopicPartition } from '../port.ts'
import { protocolErrorType, translateError } from './errors.ts'
import type { FetchedPartition, InternalCluster, RawMessage } from './internals.ts'
import { createInternalCluster, existingPartitions, READ_COMMITTED, READ_UNCOMMITTED } from './internals.ts'
import { toConsumerRecord } from './records.ts'

/** A control record's key: version 0, type 0 = abort (1 = commit). */
const ABORT_MARKER = Buffer.from([0, 0, 0, 0])
const STALE_METADATA = new Set(['NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH'])
const MAX_METADATA_RETRIES = 5

/**
 * Reads a partition range outside any consumer group (restore, standbys, global tables) with
 * plain Fetch requests to the partition leader: no group join, no committed offsets, exact
 * positions. Each `read` uses its own connection, so concurrent restores don't share state.
 *
 * A fetch returns whole record batches, so the next position is the end of the last batch seen:
 * offsets removed by compaction, transaction markers and aborted records (dropped under
 * read_committed, using the broker's aborted-transaction list as the Java consumer does) are
 * stepped over. A read_committed read stops at the last stable offset, like the embedded reader.
 */
export class KafkaJsPartitionReader implements PartitionReader {
  readonly #kafka: Kafka
  readonly #readCommitted: boolean
  readonly #maxBytes: number
  readonly #open = new Set<InternalCluster>()
  #closed = false

  constructor(kafka: Kafka, options: { readonly readCommitted: boolean; readonly maxBytes: number }) {
    this.#kafka = kafka
    this.#readCommitted = options.readCommitted
    this.#maxBytes = options.maxBytes
  }

  async *read(partition: TopicPartition, from: number, to: number): AsyncIterable<ConsumerRecord[]> {
    if (this.#closed) throw new ClientClosedError('PartitionReader is closed')
    if (from >= to) return
    const { topic } = partition
    const cluster = createInternalCluster(this.#kafka, { isolationLevel: this.#readCommitted ? READ_COMMITTED : READ_UNCOMMITTED })
    this.#open.add(cluster)
    try {
      await this.#prepare(cluster, partition)
      let position = from
      let retries = 0
      // The next fetch, started before the current records are handed out: a restore applies
      // them to its store while the broker answers, instead of one after the other.
      let prefetched: Promise<FetchedPartition> | undefined
      while (position < to && !this.#closed) {
        let fetched: FetchedPartition
        try {
          fetched = await (prefetched ?? this.#fetch(cluster, partition, position))
        } catch (error) {
          prefetched = undefined
          const type = protocolErrorType(error)
          if (type === 'OFFSET_OUT_OF_RANGE') {
            // Before the log start (retention or deleteRecords moved it): read what is left.
            const start = await this.#logStart(cluster, partition)
            if (position < start) {
              position = start
              continue
            }
            return
          }
          if (type !== undefined && STALE_METADATA.has(type) && retries < MAX_METADATA_RETRIES) {
            // A leader moving, or one just elected that has not taken over yet.
            await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** retries++))
            await cluster.refreshMetadata()
            continue
          }
          throw error
        }
        retries = 0
        const raw = fetched.messages.filter((m) => Number(m.offset) >= position)
        // Nothing at or after `position`: the readable end (high watermark, or last stable offset) is reached.
        if (raw.length === 0) return
        const records: ConsumerRecord[] = []
        for (const m of this.#visible(raw, fetched)) {
          const offset = Number(m.offset)
          if (offset >= to) break
          records.push(toConsumerRecord(topic, partition.partition, m))
        }
        position = nextPosition(raw)
        const end = readableEnd(fetched, this.#readCommitted)
        prefetched = undefined
        if (position < end && position < to) {
          prefetched = this.#fetch(cluster, partition, position)
          // Awaited by the next turn; if the caller stops first, its failure is nobody's concern.
          prefetched.catch(() => undefined)
        }
        if (records.length > 0) yield records
        if (position >= end) return
      }
    } catch (error) {
      throw translateError(error, `read ${topic}-${partition.partition} [${from}, ${to})`)
    } finally {
      this.#open.delete(cluster)
      await cluster.disconnect().catch(() => undefined)
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    await Promise.allSettled([...this.#open].map((c) => c.disconnect()))
  }

  async #prepare(cluster: InternalCluster, { topic, partition }: TopicPartition): Promise<void> {
    const existing = await existingPartitions(cluster, [topic])
    if (!existing.get(topic)?.has(partition)) throw new UnknownTopicOrPartitionError(`${topic}-${partition} does not exist`)
    await cluster.addTargetTopic(topic)
  }

  async #fetch(cluster: InternalCluster, { topic, partition }: TopicPartition, position: number): Promise<FetchedPartition> {
    const leaders = cluster.findLeaderForPartitions(topic, [partition])
    const nodeId = Object.keys(leaders)[0]
    if (nodeId === undefined) throw new UnknownTopicOrPartitionError(`${topic}-${partition} has no known leader`, { retriable: true })
    const broker = await cluster.findBroker({ nodeId })
    const { responses } = await broker.fetch({
      isolationLevel: this.#readCommitted ? READ_COMMITTED : READ_UNCOMMITTED,
      // Answer at once with what there is: the caller asks for a range that exists.
      maxWaitTime: 0,
      minBytes: 1,
      maxBytes: this.#maxBytes,
      topics: [{ topic, partitions: [{ partition, fetchOffset: String(position), maxBytes: this.#maxBytes }] }],
    })
    const fetched = responses.find((r) => r.topicName === topic)?.partitions.find((p) => p.partition === partition)
    if (!fetched) throw new UnknownTopicOrPartitionError(`${topic}-${partition}: the fetch response has no data for it`, { retriable: true })
    return fetched
  }

  async #logStart(cluster: InternalCluster, { topic, partition }: TopicPartition): Promise<number> {
    const [offsets] = await cluster.fetchTopicsOffset([{ topic, fromBeginning: true, partitions: [{ partition }] }])
    return Number(offsets?.partitions.find((p) => p.partition === partition)?.offset ?? 0)
  }

  /** Data records the reader's isolation level sees: no control records; no aborted ones under read_committed. */
  *#visible(raw: ReadonlyArray<RawMessage>, fetched: FetchedPartition): Generator<RawMessage> {
    const aborted = this.#readCommitted
      ? [...(fetched.abortedTransactions ?? [])].sort((a, b) => Number(a.firstOffset) - Number(b.firstOffset))
      : []
    const abortedProducers = new Set<string>()
    for (const m of raw) {
      while (aborted.length > 0 && Number(m.offset) >= Number(aborted[0]!.firstOffset)) abortedProducers.add(aborted.shift()!.producerId)
      const batch = m.batchContext
      if (m.isControlRecord) {
        if (batch && m.key && ABORT_MARKER.equals(m.key)) abortedProducers.delete(batch.producerId)
        continue
      }
      if (batch?.inTransaction && abortedProducers.has(batch.producerId)) continue
      yield m
    }
  }
}

/** The offset after the last record batch in `raw` (a compacted batch may end past its last record). */
function nextPosition(raw: ReadonlyArray<RawMessage>): number {
  const last = raw[raw.length - 1]!
  const lastOffset = Number(last.offset)
  const batch = last.batchContext
  const batchEnd = batch ? Number(batch.firstOffset) + batch.lastOffsetDelta : lastOffset
  return Math.max(lastOffset, batchEnd) + 1
}

function readableEnd(fetched: FetchedPartition, readCommitted: boolean): number {
  const highWatermark = Number(fetched.highWatermark)
  const lastStable = Number(fetched.lastStableOffset)
  return readCommitted && lastStable >= 0 ? lastStable : highWatermark
}
