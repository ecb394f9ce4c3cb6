import type { Admin, Consumer } from '../client/port.ts'
import { partitionKey } from '../client/port.ts'
import type { PartitionLag } from '../instrumentation/streams-metrics.ts'
import type { ActiveTask } from './active-task.ts'

/**
 * Per assigned partition: end offset minus the position — the next offset the task will process
 * (buffered records count as lag), or the committed offset before it processed any — moved past
 * the transaction markers and aborted records the consumer skipped there, as Kafka's records-lag.
 * Computed when scraped: one end-offsets request, plus a committed-offsets one for partitions not
 * read yet.
 */
export async function consumerLag(consumer: Consumer, tasks: Iterable<ActiveTask>, admin: Admin): Promise<PartitionLag[]> {
  const assigned = consumer.assignment()
  if (assigned.length === 0) return []
  const positions = new Map<string, number>()
  for (const t of tasks) for (const tp of t.task.consumedOffsets()) positions.set(partitionKey(tp.topic, tp.partition), tp.offset)
  const unread = assigned.filter((tp) => !positions.has(partitionKey(tp.topic, tp.partition)))
  const [ends, committed] = await Promise.all([
    admin.endOffsets(assigned),
    unread.length > 0 ? consumer.committed(unread) : Promise.resolve(new Map<string, number>()),
  ])
  const out: PartitionLag[] = []
  for (const tp of assigned) {
    const key = partitionKey(tp.topic, tp.partition)
    const end = ends.get(key)
    if (end === undefined) continue
    let position = positions.get(key) ?? committed.get(key) ?? 0
    // A caught-up exactly-once partition ends in a transaction marker: no record, no lag.
    const skipped = consumer.skippedOffsets?.(tp)
    if (skipped !== undefined && position >= skipped.from && position < skipped.to) position = skipped.to
    out.push({ topic: tp.topic, partition: tp.partition, lag: Math.max(0, end - position) })
  }
  return out
}
