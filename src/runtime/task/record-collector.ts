import type { ProducerRecord } from '../../client/port.ts'

/**
 * Where a task's output goes: sink records and changelog records (Kafka Streams'
 * `RecordCollector`). `send` is synchronous — it only buffers — because it runs on the
 * per-record hot path; the runtime's producer-backed collector ships batches asynchronously and
 * `flush()` waits for them at commit.
 */
export interface RecordCollector {
  /** `record.partition` set: that partition; unset: the producer's partitioner (murmur2 of the key). */
  send(record: ProducerRecord): void
  /** Partition count of `topic`, for custom `StreamPartitioner`s; undefined when not yet known. */
  partitionsFor(topic: string): number | undefined
  flush(): Promise<void> | void
}
