/**
 * Reading topics the way any downstream consumer would, with plain kafkajs and nothing of the
 * library: every record of a set of topics up to their ends with `read_committed`, and the end
 * offsets of each partition under both isolation levels (read_committed: the last stable offset;
 * read_uncommitted: the high watermark). When the two differ, a transaction is still open.
 */
import { Kafka, logLevel } from 'kafkajs'

export interface TopicRecord {
  readonly topic: string
  readonly partition: number
  readonly offset: number
  readonly timestamp: number
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly headers: { readonly [name: string]: string | undefined }
}

export type Isolation = 'read_committed' | 'read_uncommitted'

export function verifierKafka(brokers: ReadonlyArray<string>): Kafka {
  return new Kafka({ brokers: [...brokers], clientId: 'chaos-verifier', logLevel: logLevel.NOTHING, retry: { retries: 8 } })
}

/** `topic:partition` → end offset, under the given isolation. */
export async function endOffsets(kafka: Kafka, topics: ReadonlyArray<string>, isolation: Isolation): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  if (isolation === 'read_committed') {
    // kafkajs' admin lists offsets with READ_COMMITTED: the last stable offset.
    const admin = kafka.admin()
    await admin.connect()
    try {
      for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) out.set(`${topic}:${p.partition}`, Number(p.offset))
    } finally {
      await admin.disconnect()
    }
    return out
  }
  // The admin has no isolation option; a cluster made with READ_UNCOMMITTED (0) answers with the
  // high watermark. kafkajs keeps its cluster factory behind a symbol, not behind a module path.
  const factory = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster')
  if (factory === undefined) throw new Error('this kafkajs has no private cluster factory; cannot list read_uncommitted offsets')
  type Cluster = {
    connect(): Promise<void>
    disconnect(): Promise<void>
    addTargetTopic(topic: string): Promise<void>
    refreshMetadataIfNecessary(): Promise<void>
    findTopicPartitionMetadata(topic: string): Array<{ partitionId: number }>
    fetchTopicsOffset(t: Array<{ topic: string; fromBeginning: boolean; partitions: Array<{ partition: number }> }>): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>
  }
  const cluster = (kafka as unknown as { [k: symbol]: (o: object) => Cluster })[factory]!({ isolationLevel: 0, allowAutoTopicCreation: false })
  await cluster.connect()
  try {
    for (const topic of topics) {
      await cluster.addTargetTopic(topic)
      await cluster.refreshMetadataIfNecessary()
      const partitions = cluster.findTopicPartitionMetadata(topic).map((p) => ({ partition: p.partitionId }))
      const [answer] = await cluster.fetchTopicsOffset([{ topic, fromBeginning: false, partitions }])
      for (const p of answer?.partitions ?? []) out.set(`${topic}:${p.partition}`, Number(p.offset))
    }
  } finally {
    await cluster.disconnect()
  }
  return out
}

/** Partitions whose read_committed end is below their read_uncommitted end: open transactions. */
export async function openTransactions(kafka: Kafka, topics: ReadonlyArray<string>): Promise<string[]> {
  const [committed, uncommitted] = [await endOffsets(kafka, topics, 'read_committed'), await endOffsets(kafka, topics, 'read_uncommitted')]
  const open: string[] = []
  for (const [tp, high] of uncommitted) if ((committed.get(tp) ?? -1) !== high) open.push(`${tp} committed end ${committed.get(tp)} < end ${high}`)
  return open
}

/**
 * Every committed record of `topics`, from the beginning up to their ends (high watermarks) when
 * the read starts, by topic. Not through a kafkajs read_committed consumer: kafkajs 2.2.4 hands
 * such consumers records of aborted transactions when two transactions interleave in a partition
 * and the later one is aborted first (it pairs each aborted transaction with one message, in abort
 * order) — exactly what a fenced zombie leaves behind, so a verifier on it reports duplicates that
 * no committed read holds. Instead every partition is fetched read_uncommitted and transactions
 * are resolved here from their markers: a producer's transactional records are held until its
 * next marker, kept on COMMIT and dropped on ABORT; records still held at the end belong to an open
 * transaction and are not committed (openTransactions() reports those).
 */
export async function readTopics(kafka: Kafka, topics: ReadonlyArray<string>, timeoutMs = 120_000): Promise<Map<string, TopicRecord[]>> {
  const deadline = Date.now() + timeoutMs
  const ends = await endOffsets(kafka, topics, 'read_uncommitted')
  const cluster = rawCluster(kafka)
  await cluster.connect()
  const out = new Map<string, TopicRecord[]>(topics.map((t) => [t, []]))
  try {
    for (const topic of topics) {
      await cluster.addTargetTopic(topic)
      for (const { partitionId: partition } of cluster.findTopicPartitionMetadata(topic)) {
        out.get(topic)!.push(...(await readPartition(cluster, topic, partition, 0, ends.get(`${topic}:${partition}`) ?? 0, deadline)))
      }
      out.get(topic)!.sort((a, b) => a.partition - b.partition || a.offset - b.offset)
    }
    return out
  } finally {
    await cluster.disconnect()
  }
}

/**
 * The committed records of `topic`-`partition` from `from` (a consumer group's committed offset,
 * say) up to its end: what a read_committed consumer starting there would still be handed.
 */
export async function readPartitionFrom(kafka: Kafka, topic: string, partition: number, from: number, timeoutMs = 60_000): Promise<TopicRecord[]> {
  const end = (await endOffsets(kafka, [topic], 'read_uncommitted')).get(`${topic}:${partition}`) ?? 0
  const cluster = rawCluster(kafka)
  await cluster.connect()
  try {
    await cluster.addTargetTopic(topic)
    return await readPartition(cluster, topic, partition, from, end, Date.now() + timeoutMs)
  } finally {
    await cluster.disconnect()
  }
}

/**
 * One partition's committed records in [from, end). A transaction begun before `from` is resolved
 * by its marker all the same; a fetch below the log start (a purged repartition topic) starts at
 * the log start instead.
 */
async function readPartition(cluster: RawCluster, topic: string, partition: number, from: number, end: number, deadline: number): Promise<TopicRecord[]> {
  const held = new Map<string, TopicRecord[]>()
  const records: TopicRecord[] = []
  for (let offset = from; offset < end; ) {
    if (Date.now() > deadline) throw new Error(`reading ${topic}-${partition} stuck at ${offset} of ${end}`)
    const leader = Object.keys(cluster.findLeaderForPartitions(topic, [partition]))[0]
    if (leader === undefined) throw new Error(`${topic}-${partition} has no leader`)
    const broker = await cluster.findBroker({ nodeId: leader })
    const { responses } = await broker.fetch({
      isolationLevel: 0,
      maxWaitTime: 100,
      minBytes: 1,
      maxBytes: 16 << 20,
      topics: [{ topic, partitions: [{ partition, fetchOffset: String(offset), maxBytes: 16 << 20 }] }],
    })
    const fetched = responses[0]?.partitions[0]
    if (fetched !== undefined && fetched.errorCode === OFFSET_OUT_OF_RANGE && fetched.logStartOffset !== undefined && Number(fetched.logStartOffset) > offset) {
      offset = Number(fetched.logStartOffset)
      continue
    }
    if (fetched === undefined || fetched.errorCode !== 0) throw new Error(`fetch ${topic}-${partition} at ${offset}: error ${fetched?.errorCode}`)
    const before = offset
    for (const m of fetched.messages) {
      const at = Number(m.offset)
      if (at < offset) continue
      offset = at + 1
      if (at >= end) break
      const batch = m.batchContext
      const producer = batch === undefined ? '' : String(batch.producerId)
      if (m.isControlRecord) {
        // A marker's key: version (int16), type (int16: 0 abort, 1 commit).
        const commit = m.key !== null && m.key.length >= 4 && m.key.readInt16BE(2) === 1
        const txn = held.get(producer) ?? []
        held.delete(producer)
        if (commit) records.push(...txn)
        continue
      }
      const headers: { [name: string]: string | undefined } = {}
      for (const [name, v] of Object.entries(m.headers ?? {})) headers[name] = v === undefined ? undefined : Array.isArray(v) ? String(v[0]) : String(v)
      const record: TopicRecord = { topic, partition, offset: at, timestamp: Number(m.timestamp), key: m.key, value: m.value, headers }
      if (batch?.inTransaction === true) {
        const txn = held.get(producer)
        if (txn) txn.push(record)
        else held.set(producer, [record])
      } else records.push(record)
    }
    // A fetch that moved nothing past markers-only batches: step over what it covered.
    if (offset === before) {
      const last = fetched.messages.at(-1)
      // Nothing at all below the end: never read on as if the partition ended here (a short read
      // would pass for lost records); ask again until the deadline.
      if (last === undefined) await new Promise((resolve) => setTimeout(resolve, 200))
      else offset = Number(last.offset) + 1
    }
  }
  return records
}

const OFFSET_OUT_OF_RANGE = 1

interface RawMessage {
  readonly offset: string
  readonly timestamp: string
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly headers?: { [name: string]: Buffer | string | Array<Buffer | string> | undefined }
  readonly isControlRecord?: boolean
  readonly batchContext?: { readonly producerId: string; readonly inTransaction: boolean }
}

interface RawCluster {
  connect(): Promise<void>
  disconnect(): Promise<void>
  addTargetTopic(topic: string): Promise<void>
  findTopicPartitionMetadata(topic: string): Array<{ partitionId: number }>
  findLeaderForPartitions(topic: string, partitions: number[]): { [nodeId: string]: number[] }
  findBroker(node: { nodeId: string }): Promise<{
    fetch(request: object): Promise<{ responses: Array<{ partitions: Array<{ errorCode: number; logStartOffset?: string; messages: RawMessage[] }> }> }>
  }>
}

/** kafkajs's own cluster (behind a symbol, not a module path), read_uncommitted. */
function rawCluster(kafka: Kafka): RawCluster {
  const factory = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster')
  if (factory === undefined) throw new Error('this kafkajs has no private cluster factory; cannot fetch partitions')
  return (kafka as unknown as { [k: symbol]: (o: object) => RawCluster })[factory]!({ isolationLevel: 0, allowAutoTopicCreation: false })
}
