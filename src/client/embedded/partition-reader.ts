import { ClientClosedError, UnknownTopicOrPartitionError } from '../errors.ts'
import type { ConsumerRecord, PartitionReader, TopicPartition } from '../port.ts'
import type { PartitionLog } from './partition-log.ts'
import { yieldToEventLoop } from './signal.ts'

/**
 * Reads a partition range outside any group (restore, standbys, global tables). A read_committed
 * reader stops at the last stable offset: records of a still-open transaction are not readable
 * yet, so a restore must fence the old producer (which aborts its transaction) before reading.
 */
export class EmbeddedPartitionReader implements PartitionReader {
  readonly #log: (topic: string, partition: number) => PartitionLog | undefined
  readonly #readCommitted: boolean
  readonly #batchSize: number
  #closed = false

  constructor(log: (topic: string, partition: number) => PartitionLog | undefined, readCommitted: boolean, batchSize: number) {
    this.#log = log
    this.#readCommitted = readCommitted
    this.#batchSize = batchSize
  }

  async *read(partition: TopicPartition, from: number, to: number): AsyncIterable<ConsumerRecord[]> {
    if (this.#closed) throw new ClientClosedError('PartitionReader is closed')
    const log = this.#log(partition.topic, partition.partition)
    if (!log) throw new UnknownTopicOrPartitionError(`${partition.topic}-${partition.partition} does not exist`)
    let position = from
    while (position < to && !this.#closed) {
      // A fetch is a round trip on a real broker; yielding here keeps a long restore from
      // starving timers and other instances sharing the process.
      await yieldToEventLoop()
      const bound = Math.min(to, this.#readCommitted ? log.lastStableOffset : log.highWatermark)
      if (position >= bound) return
      const batch = log.read(position, this.#batchSize, bound, this.#readCommitted)
      position = batch.next
      if (batch.records.length > 0) yield batch.records
    }
  }

  async close(): Promise<void> {
    this.#closed = true
  }
}
