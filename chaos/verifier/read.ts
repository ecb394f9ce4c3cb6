/**
 * Reading topics the way any downstream consumer would, with plain kafkajs and nothing of the
 * library: every record of a set of topics up to their ends with `read_committed`, and the end
 * offsets of each partition under both isolation levels (read_committed: the last stable offset;
 * read_uncommitted: the high watermark). When the two differ, a transaction is still open.
 */
import { randomBytes } from 'node:crypto'
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
 * Every committed record of `topics`, from the beginning up to the ends they have when the read
 * starts, by topic. A throwaway consumer group (never committing, deleted after); progress is
 * also taken from END_BATCH_PROCESS, which kafkajs emits for batches that held only transaction
 * markers or aborted records, so an end just past a commit marker is reached.
 */
export async function readTopics(kafka: Kafka, topics: ReadonlyArray<string>, timeoutMs = 120_000): Promise<Map<string, TopicRecord[]>> {
  const ends = await endOffsets(kafka, topics, 'read_committed')
  const admin = kafka.admin()
  await admin.connect()
  const next = new Map<string, number>()
  try {
    for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) next.set(`${topic}:${p.partition}`, Number(p.low))
  } finally {
    await admin.disconnect()
  }
  const out = new Map<string, TopicRecord[]>(topics.map((t) => [t, []]))
  const pending = new Set([...ends].filter(([tp, end]) => (next.get(tp) ?? 0) < end).map(([tp]) => tp))
  if (pending.size === 0) return out

  let finish: () => void = () => {}
  const done = new Promise<void>((resolve) => {
    finish = resolve
  })
  const advance = (tp: string, offset: number): void => {
    if (offset + 1 > (next.get(tp) ?? 0)) next.set(tp, offset + 1)
    if ((next.get(tp) ?? 0) >= (ends.get(tp) ?? 0) && pending.delete(tp) && pending.size === 0) finish()
  }
  const groupId = `chaos-verifier-${randomBytes(6).toString('hex')}`
  const consumer = kafka.consumer({ groupId, readUncommitted: false, allowAutoTopicCreation: false, maxWaitTimeInMs: 200, sessionTimeout: 30_000 })
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => advance(`${payload.topic}:${payload.partition}`, Number(payload.lastOffset)))
  let timer: NodeJS.Timeout | undefined
  try {
    await consumer.connect()
    await consumer.subscribe({ topics: [...topics], fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const tp = `${batch.topic}:${batch.partition}`
        const end = ends.get(tp) ?? 0
        for (const m of batch.messages) {
          const offset = Number(m.offset)
          if (offset < (next.get(tp) ?? 0) || offset >= end) continue
          const headers: { [name: string]: string | undefined } = {}
          for (const [name, v] of Object.entries(m.headers ?? {})) headers[name] = v === undefined ? undefined : Array.isArray(v) ? String(v[0]) : String(v)
          out.get(batch.topic)!.push({ topic: batch.topic, partition: batch.partition, offset, timestamp: Number(m.timestamp), key: m.key, value: m.value, headers })
          advance(tp, offset)
        }
      },
    })
    await Promise.race([
      done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`reading ${topics.join(', ')} stuck after ${timeoutMs} ms: ${[...pending].map((tp) => `${tp} at ${next.get(tp)} of ${ends.get(tp)}`).join('; ')}`)), timeoutMs)
      }),
    ])
    return out
  } finally {
    clearTimeout(timer)
    await consumer.disconnect()
    const a = kafka.admin()
    await a.connect()
    await a.deleteGroups([groupId]).catch(() => undefined)
    await a.disconnect()
  }
}
