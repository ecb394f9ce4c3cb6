import type { ProducerRecord, RecordMetadataResult } from '../client/port.ts'
import type { RecordCollector } from './task/record-collector.ts'
import type { StreamsProducer } from './streams-producer.ts'

/**
 * A task's `RecordCollector` backed by a producer. `send` only buffers (it runs per record, inside
 * synchronous processing); the stream thread ships the buffer after each processing round and the
 * commit awaits everything in flight (`flush`). Batches of one collector are sent one after the
 * other, so records keep their order per partition.
 *
 * Keyed records without a partition get the murmur2 partition here, from the topic's known count,
 * so placement does not depend on the client adapter's partitioner (DESIGN.md, decision 5).
 * It also remembers the last offset written per partition: the changelog offsets a checkpoint holds.
 */
export class ProducerRecordCollector implements RecordCollector {
  readonly #producer: StreamsProducer
  readonly #partitions: (topic: string) => number | undefined
  readonly #partitionFor: (key: Buffer, numPartitions: number) => number
  readonly #maxBuffered: number
  #buffer: ProducerRecord[] = []
  #inFlight: Promise<void> = Promise.resolve()
  #error: unknown = undefined
  /** Topic → last offset written, indexed by partition (runs per record shipped: no string keys built). */
  readonly #written = new Map<string, number[]>()

  constructor(options: {
    readonly producer: StreamsProducer
    readonly partitions: (topic: string) => number | undefined
    readonly partitionFor: (key: Buffer, numPartitions: number) => number
    /** Ship without waiting for the round to end once this many records are buffered. */
    readonly maxBuffered?: number
  }) {
    this.#producer = options.producer
    this.#partitions = options.partitions
    this.#partitionFor = options.partitionFor
    this.#maxBuffered = options.maxBuffered ?? 10_000
  }

  get producer(): StreamsProducer {
    return this.#producer
  }

  /**
   * A failed send is not the current record's fault (it may be a fenced producer: the task
   * migrated), so it is not thrown here, where the engine would treat it as a processing error
   * the user's handler might skip: later records are dropped, `failed` tells the thread to
   * commit now, and the commit's `flush()` throws it (Kafka's `RecordCollector` defers it the same way).
   */
  send(record: ProducerRecord): void {
    if (this.#error !== undefined) return
    if (record.partition === undefined && record.key !== null) {
      const n = this.#partitions(record.topic)
      if (n !== undefined) record = withPartition(record, this.#partitionFor(record.key, n))
    }
    this.#buffer.push(record)
    if (this.#buffer.length >= this.#maxBuffered) this.ship()
  }

  partitionsFor(topic: string): number | undefined {
    return this.#partitions(topic)
  }

  /** Starts sending what is buffered, without waiting. */
  ship(): void {
    if (this.#buffer.length === 0) return
    const batch = this.#buffer
    this.#buffer = []
    this.#inFlight = this.#inFlight.then(async () => {
      if (this.#error !== undefined) return
      try {
        this.#recordWritten(await this.#producer.send(batch))
      } catch (error) {
        this.#error = error
      }
    })
  }

  /** Sends everything buffered and waits until the broker has it; throws the first send failure. */
  async flush(): Promise<void> {
    this.ship()
    await this.#inFlight
    if (this.#error !== undefined) throw this.#error
  }

  /** A send failed: the next `flush()` throws its error. */
  get failed(): boolean {
    return this.#error !== undefined
  }

  /** Offset of the last record this collector wrote to `topic`-`partition`. */
  lastWrittenOffset(topic: string, partition: number): number | undefined {
    return this.#written.get(topic)?.[partition]
  }

  /** Drops buffered records (a dirty close: they belong to work that will be redone). */
  discard(): void {
    this.#buffer = []
  }

  get buffered(): number {
    return this.#buffer.length
  }

  #recordWritten(results: ReadonlyArray<RecordMetadataResult>): void {
    let topic: string | undefined
    let offsets: number[] = []
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!
      if (r.topic !== topic) {
        topic = r.topic
        let known = this.#written.get(topic)
        if (known === undefined) this.#written.set(topic, (known = []))
        offsets = known
      }
      const previous = offsets[r.partition]
      if (previous === undefined || r.offset > previous) offsets[r.partition] = r.offset
    }
  }
}

/** `{ ...record, partition }`, written out: a literal of known shape is cheaper than a spread per record. */
function withPartition(record: ProducerRecord, partition: number): ProducerRecord {
  const { topic, key, value, timestamp, headers } = record
  return headers === undefined ? { topic, partition, key, value, timestamp } : { topic, partition, key, value, timestamp, headers }
}
