import type { Kafka } from 'kafkajs'

/** A control record's key: version 0, type 0 = abort (1 = commit). */
const ABORT_MARKER = Buffer.from([0, 0, 0, 0])

/** A message as kafkajs decodes it from a Fetch response (mutable: this module flags it). */
interface DecodedMessage {
  readonly offset: string
  readonly key?: Buffer | null
  isControlRecord?: boolean
  readonly batchContext?: { readonly producerId: string; readonly inTransaction: boolean }
}

interface DecodedPartition {
  abortedTransactions?: ReadonlyArray<{ readonly producerId: string; readonly firstOffset: string }>
  readonly messages: ReadonlyArray<DecodedMessage>
}

interface DecodedFetch {
  readonly responses: ReadonlyArray<{ readonly partitions: ReadonlyArray<DecodedPartition> }>
}

/**
 * Flags the records of aborted transactions in one partition of a read_committed Fetch response
 * as control records, and empties its aborted-transaction list; returns how many were flagged.
 *
 * kafkajs 2.2.4's own filter (`filterAbortedMessages`) takes the broker's list in the order it
 * comes — by the transactions' *last* offset, the order they were aborted in — and steps into at
 * most one aborted transaction per message. So a read_committed consumer is handed aborted records
 * when two transactions overlap in a partition and the later one is aborted first, or when the
 * fetch starts inside two of them: after a fenced or crashed exactly-once producer, the records
 * of its aborted transactions get processed. This is the Java consumer's algorithm instead
 * (`CompletedFetch`): the list ordered by first offset, every transaction whose first offset has
 * been reached counted, an abort marker ending its producer's. Flagged records stay in the
 * response, so kafkajs still advances past them (and resolves a batch of nothing else) as it does
 * past markers, and its own filter, handed an empty list, keeps out of it.
 */
export function markAbortedRecords(partition: DecodedPartition): number {
  const aborted = partition.abortedTransactions
  if (aborted === undefined || aborted.length === 0) return 0
  const pending = [...aborted].sort((a, b) => compareOffsets(a.firstOffset, b.firstOffset))
  partition.abortedTransactions = []
  const abortedProducers = new Set<string>()
  let flagged = 0
  for (const m of partition.messages) {
    while (pending.length > 0 && compareOffsets(m.offset, pending[0]!.firstOffset) >= 0) abortedProducers.add(pending.shift()!.producerId)
    const batch = m.batchContext
    if (batch === undefined) continue
    if (m.isControlRecord === true) {
      if (m.key && ABORT_MARKER.equals(m.key)) abortedProducers.delete(batch.producerId)
      continue
    }
    if (batch.inTransaction && abortedProducers.has(batch.producerId)) {
      m.isControlRecord = true
      flagged++
    }
  }
  return flagged
}

function compareOffsets(a: string, b: string): number {
  const x = BigInt(a)
  const y = BigInt(b)
  return x < y ? -1 : x > y ? 1 : 0
}

type CreateCluster = (options: object) => { findBroker(node: object): Promise<{ fetch(request: object): Promise<DecodedFetch> }> }

const patchedBrokers = new WeakSet<object>()

/**
 * Makes every cluster `kafka` creates — so its consumers, whose batches kafkajs filters itself —
 * filter aborted transactions with `markAbortedRecords`. Only the Fetch responses of this `Kafka`
 * instance's brokers are touched: kafkajs's cluster factory is an own property of the instance.
 */
export function filterAbortedTransactions(kafka: Kafka): Kafka {
  const key = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster')
  const holder = kafka as unknown as Record<symbol, unknown>
  const create = key === undefined ? undefined : holder[key]
  // Without the factory (not kafkajs 2.2.x) the adapter's cluster access fails loudly elsewhere.
  if (key === undefined || typeof create !== 'function') return kafka
  holder[key] = (options: object) => {
    const cluster = (create as CreateCluster).call(kafka, options)
    const findBroker = cluster.findBroker.bind(cluster)
    cluster.findBroker = async (node) => {
      const broker = await findBroker(node)
      if (!patchedBrokers.has(broker)) {
        patchedBrokers.add(broker)
        const fetch = broker.fetch.bind(broker)
        broker.fetch = async (request) => {
          const response = await fetch(request)
          for (const topic of response.responses) for (const partition of topic.partitions) markAbortedRecords(partition)
          return response
        }
      }
      return broker
    }
    return cluster
  }
  return kafka
}
