import type { TopicPartitionOffset } from '../../client/port.ts'
import type { HeadFailureHandler, RecordQueue } from './record-queue.ts'

/**
 * The input partitions of one task (Kafka Streams' `PartitionGroup`). The next record is the
 * head with the lowest timestamp across partitions, which keeps joins and windows close to
 * event-time order; ties go to the partition listed first. Stream time is the highest timestamp
 * processed so far and never goes back.
 *
 * A task has only a handful of partitions, so a linear scan beats a priority queue here.
 */
export class PartitionGroup {
  readonly queues: ReadonlyArray<RecordQueue>
  /** -1 until the first record. */
  streamTime = -1
  readonly #byPartition = new Map<string, RecordQueue>()

  constructor(queues: ReadonlyArray<RecordQueue>) {
    this.queues = queues
    for (const q of queues) this.#byPartition.set(key(q.topic, q.partition), q)
  }

  queue(topic: string, partition: number): RecordQueue | undefined {
    return this.#byPartition.get(key(topic, partition))
  }

  /** The queue whose head goes next, with its head ready; undefined when nothing is buffered. */
  nextQueue(failures: HeadFailureHandler): RecordQueue | undefined {
    const queues = this.queues
    if (queues.length === 1) {
      const only = queues[0]!
      return only.ensureHead(failures) ? only : undefined
    }
    let best: RecordQueue | undefined
    for (let i = 0; i < queues.length; i++) {
      const q = queues[i]!
      if (q.ensureHead(failures) && (best === undefined || q.headTimestamp < best.headTimestamp)) best = q
    }
    return best
  }

  /** Call when the head of `queue` is taken for processing. */
  advance(queue: RecordQueue): void {
    if (queue.headTimestamp > this.streamTime) this.streamTime = queue.headTimestamp
    queue.poll()
  }

  numBuffered(): number {
    let n = 0
    for (const q of this.queues) n += q.size()
    return n
  }

  /** True when every partition has buffered data (Kafka's condition to process without idling). */
  allPartitionsBuffered(): boolean {
    for (const q of this.queues) if (q.isEmpty()) return false
    return true
  }

  /** Next offset to read per partition, for the partitions something was taken from: what to commit. */
  consumedOffsets(): TopicPartitionOffset[] {
    const offsets: TopicPartitionOffset[] = []
    for (const q of this.queues) {
      if (q.consumedOffset >= 0) offsets.push({ topic: q.topic, partition: q.partition, offset: q.consumedOffset })
    }
    return offsets
  }

  clear(): void {
    for (const q of this.queues) q.clear()
  }
}

function key(topic: string, partition: number): string {
  return `${partition}:${topic}`
}
