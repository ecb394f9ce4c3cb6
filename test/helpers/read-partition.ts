/**
 * Reads one partition from a chosen offset up to its end offset, OUTSIDE any application
 * consumer group: what changelog restore, standby tasks and global tables need. kafkajs has no
 * manual `assign()`, so this emulates it with public API only:
 *
 *   - a consumer in a throwaway group (random id, autoCommit off, never commits, deleted after),
 *   - a one-member partition assigner that hands that member exactly the requested partition,
 *     so nothing else is fetched and the application's group never sees this member,
 *   - a `seek(from)` from the GROUP_JOIN event, which kafkajs applies before its first fetch,
 *   - the end offset taken up front from ListOffsets (admin.fetchTopicOffsets); kafkajs sends it
 *     with isolation READ_COMMITTED, so it is the last stable offset — exactly where a
 *     read_committed reader can get to (an open transaction never makes it hang),
 *   - progress tracked from END_BATCH_PROCESS too, which kafkajs emits for batches that were
 *     all transaction markers or aborted records: the end is reached even when the last
 *     offsets before it hold no data record (the usual case after a commit marker).
 *
 * Why not a low-level Fetch through kafkajs internals: no group round-trip, but it needs
 * undocumented classes and re-implementing aborted-transaction filtering, control records,
 * leader moves and OFFSET_OUT_OF_RANGE — the consumer already does all of that. The price here
 * is one JoinGroup/SyncGroup per read (milliseconds with group.initial.rebalance.delay.ms=0, as
 * in infra/kafka/server.properties; up to 3 s on a stock broker, so restore many partitions in
 * one read rather than one read each). The runtime will own its own reader; this one is the
 * reference the integration tests hold it to.
 */
import { randomBytes } from 'node:crypto'
import { AssignerProtocol } from 'kafkajs'
import type { Kafka, KafkaMessage, PartitionAssigner } from 'kafkajs'

export interface ReadRange {
  readonly topic: string
  readonly partition: number
  /** First offset to return (inclusive). */
  readonly from: number
  /** End offset (exclusive); default: the partition's end offset when the read starts. */
  readonly to?: number
  /** Default true: skip aborted transactional records, as a restore under exactly-once must. */
  readonly readCommitted?: boolean
  readonly timeoutMs?: number
}

/** A fetched record and the partition it came from (always the one asked for). */
export type ReadRecord = KafkaMessage & { readonly partition: number }

export interface PartitionRead {
  readonly records: ReadRecord[]
  /** The exclusive end the read stopped at. */
  readonly end: number
}

const EMPTY = Buffer.alloc(0)

function pinnedAssigner(topic: string, partition: number): PartitionAssigner {
  const name = 'KstreamsPartitionReader'
  return () => ({
    name,
    version: 0,
    async assign({ members }) {
      // One member by construction; any other gets nothing rather than a duplicate read.
      return members.map((member, i) => ({
        memberId: member.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 0,
          assignment: i === 0 ? { [topic]: [partition] } : {},
          userData: EMPTY,
        }),
      }))
    },
    protocol({ topics }) {
      return { name, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: EMPTY }) }
    },
  })
}

export async function endOffset(kafka: Kafka, topic: string, partition: number): Promise<number> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const offsets = await admin.fetchTopicOffsets(topic)
    const found = offsets.find((o) => o.partition === partition)
    if (!found) throw new Error(`${topic} has no partition ${partition}`)
    return Number(found.high)
  } finally {
    await admin.disconnect()
  }
}

export async function readPartition(kafka: Kafka, range: ReadRange): Promise<PartitionRead> {
  const { topic, partition, from } = range
  const end = range.to ?? (await endOffset(kafka, topic, partition))
  if (from >= end) return { records: [], end }

  const groupId = `kst-reader-${randomBytes(6).toString('hex')}`
  const consumer = kafka.consumer({
    groupId,
    partitionAssigners: [pinnedAssigner(topic, partition)],
    readUncommitted: range.readCommitted === false,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 100,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
  })
  const records: ReadRecord[] = []
  let next = from // every offset below `next` has been seen (or stepped over)
  let finish: () => void = () => {}
  const done = new Promise<void>((resolve) => {
    finish = resolve
  })
  const advance = (offset: number) => {
    if (offset >= next) next = offset + 1
    if (next >= end) finish()
  }

  // Also on a re-join (a rebalance of this private group): continue where we are.
  consumer.on(consumer.events.GROUP_JOIN, () => consumer.seek({ topic, partition, offset: String(next) }))
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.topic === topic && payload.partition === partition) advance(Number(payload.lastOffset))
  })

  let timer: NodeJS.Timeout | undefined
  try {
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const offset = Number(message.offset)
          // Skip what a stale fetch returned before the seek and anything past the end.
          if (offset < next || offset >= end) continue
          records.push({ ...message, partition: batch.partition })
          advance(offset)
        }
      },
    })
    const timeoutMs = range.timeoutMs ?? 30_000
    await Promise.race([
      done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`readPartition ${topic}-${partition} [${from}, ${end}) stuck at ${next} after ${timeoutMs} ms`)), timeoutMs)
      }),
    ])
    return { records, end }
  } finally {
    clearTimeout(timer)
    // Never from inside eachBatch: disconnect waits for the running batch to finish.
    await consumer.disconnect()
    const admin = kafka.admin()
    await admin.connect()
    await admin.deleteGroups([groupId]).catch(() => undefined) // it holds no offsets; tidy anyway
    await admin.disconnect()
  }
}
