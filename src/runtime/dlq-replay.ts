import { createKafkaJsClient, type KafkaJsClientConfig } from '../client/kafkajs/kafkajs-client.ts'
import type { ConsumerRecord, KafkaClient, ProducerRecord, TopicPartitionOffset } from '../client/port.ts'
import { partitionKey } from '../client/port.ts'
import type { Logger } from '../instrumentation/logger.ts'
import { defaultDeadLetterTopic, readDeadLetterHeaders, withoutDeadLetterHeaders, type DeadLetterInfo } from './task/dead-letter-queue.ts'

export interface ReplayOptions {
  readonly applicationId: string
  /** A client-port instance (the embedded broker, a test's client). Exclusive with `kafka`. */
  readonly client?: KafkaClient
  /** A real cluster through kafkajs (`brokers`, `ssl`, `sasl`, ...). */
  readonly kafka?: KafkaJsClientConfig
  /** Default `<applicationId>-dlq`. */
  readonly dlqTopic?: string
  /** The consumer group whose committed offsets record the replay's progress; default `<applicationId>-dlq-replay`. */
  readonly groupId?: string
  /** List what would be sent; send and commit nothing. */
  readonly dryRun?: boolean
  /** Replay only the dead letters this accepts; the others are passed over (and count as done). */
  readonly filter?: (deadLetter: DeadLetter) => boolean
  readonly logger?: Pick<Logger, 'info' | 'warn'>
}

/** One dead-letter record as the replay saw it. */
export interface DeadLetter extends DeadLetterInfo {
  readonly dlqTopic: string
  readonly dlqPartition: number
  readonly dlqOffset: number
  readonly record: ConsumerRecord
}

export interface ReplayedDeadLetter {
  readonly deadLetter: DeadLetter
  /** `sent` (or would be, in a dry run) to `deadLetter.topic`; `passed-over` by the filter or for want of a source topic. */
  readonly action: 'sent' | 'passed-over'
  readonly reason?: string
}

export interface ReplayResult {
  readonly dlqTopic: string
  readonly groupId: string
  readonly dryRun: boolean
  readonly sent: number
  readonly passedOver: number
  readonly deadLetters: ReadonlyArray<ReplayedDeadLetter>
}

/**
 * Re-sends dead-lettered records to the topic they were consumed from (read from their
 * `__streams.errors.*` headers), once the cause is fixed: raw key and value, original timestamp and
 * partition, own headers without the dead-letter ones.
 *
 * Exactly once per dead letter across runs: the replay's progress is the committed offset of the
 * consumer group `<applicationId>-dlq-replay` on the DLQ topic, and each batch's sends and that
 * offset commit in one transaction (transactional id = the group id). Connecting that producer
 * fences an earlier replay still running and completes its last transaction before the committed
 * offsets are read, so a rerun starts after everything sent before. Dead letters written later
 * than the start of a run are left for the next one.
 */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayResult> {
  if (options.client !== undefined && options.kafka !== undefined) throw new TypeError('Set either `client` or `kafka`, not both')
  if (options.client === undefined && options.kafka === undefined) throw new TypeError('Set `client` or `kafka` (brokers) to replay from')
  const client = options.client ?? createKafkaJsClient(options.kafka!)
  const dlqTopic = options.dlqTopic ?? defaultDeadLetterTopic(options.applicationId)
  const groupId = options.groupId ?? `${options.applicationId}-dlq-replay`
  const dryRun = options.dryRun === true
  const admin = client.admin()
  const reader = client.partitionReader({ isolationLevel: 'read_committed' })
  const producer = dryRun ? undefined : client.producer({ transactionalId: groupId })
  const results: ReplayedDeadLetter[] = []
  try {
    if (producer !== undefined) await producer.connect()
    const described = await admin.describeTopics([dlqTopic])
    const dlq = described.get(dlqTopic)
    if (dlq === undefined) throw new Error(`Dead-letter topic "${dlqTopic}" does not exist`)
    const partitions = Array.from({ length: dlq.numPartitions }, (_, partition) => ({ topic: dlqTopic, partition }))
    const committed = await admin.committedOffsets(groupId, partitions)
    const ends = await admin.endOffsets(partitions)
    const sourceTopics = new Map<string, number | undefined>()
    const partitionCount = async (topic: string): Promise<number | undefined> => {
      if (!sourceTopics.has(topic)) sourceTopics.set(topic, (await admin.describeTopics([topic])).get(topic)?.numPartitions)
      return sourceTopics.get(topic)
    }
    for (const tp of partitions) {
      const key = partitionKey(tp.topic, tp.partition)
      const from = committed.get(key) ?? 0
      const to = ends.get(key) ?? 0
      for await (const batch of reader.read(tp, from, to)) {
        const sends: ProducerRecord[] = []
        for (const record of batch) {
          const outcome = await decide(record, dlqTopic, options.filter, partitionCount)
          results.push(outcome.replayed)
          if (outcome.send !== undefined) sends.push(outcome.send)
        }
        const next: TopicPartitionOffset = { ...tp, offset: batch[batch.length - 1]!.offset + 1 }
        if (producer === undefined) continue
        await producer.beginTransaction()
        try {
          if (sends.length > 0) await producer.send(sends)
          await producer.sendOffsets(groupId, [next])
        } catch (error) {
          await producer.abortTransaction().catch(() => {})
          throw error
        }
        await producer.commitTransaction()
        options.logger?.info({ dlqTopic, partition: tp.partition, offset: next.offset, sent: sends.length }, 'Replayed dead letters')
      }
    }
  } finally {
    await producer?.close().catch(() => {})
    await reader.close().catch(() => {})
    await admin.close().catch(() => {})
  }
  const sent = results.filter((r) => r.action === 'sent').length
  return { dlqTopic, groupId, dryRun, sent, passedOver: results.length - sent, deadLetters: results }
}

async function decide(
  record: ConsumerRecord,
  dlqTopic: string,
  filter: ReplayOptions['filter'],
  partitionCount: (topic: string) => Promise<number | undefined>,
): Promise<{ replayed: ReplayedDeadLetter; send?: ProducerRecord }> {
  const deadLetter: DeadLetter = { ...readDeadLetterHeaders(record.headers), dlqTopic, dlqPartition: record.partition, dlqOffset: record.offset, record }
  const topic = deadLetter.topic
  if (topic === undefined) return { replayed: { deadLetter, action: 'passed-over', reason: 'no source topic (a punctuator failed)' } }
  if (filter !== undefined && !filter(deadLetter)) return { replayed: { deadLetter, action: 'passed-over', reason: 'filtered out' } }
  const partitions = await partitionCount(topic)
  if (partitions === undefined) {
    throw new Error(`Dead letter ${dlqTopic}-${record.partition}@${record.offset} came from topic "${topic}", which does not exist (any more)`)
  }
  const p = deadLetter.partition
  // Back to the partition it was read from, when it still exists; else wherever its key maps to.
  const partition = p !== undefined && p >= 0 && p < partitions ? p : undefined
  const headers = withoutDeadLetterHeaders(record.headers)
  const send: ProducerRecord = partition === undefined
    ? { topic, key: record.key, value: record.value, timestamp: record.timestamp, headers }
    : { topic, partition, key: record.key, value: record.value, timestamp: record.timestamp, headers }
  return { replayed: { deadLetter, action: 'sent' }, send }
}
