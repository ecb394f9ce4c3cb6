import type { ClientHeaders } from '../../client/port.ts'
import type { Processor } from '../../processors/processor.ts'
import type { Headers, Record } from '../../processors/record.ts'
import type { Serde } from '../../serdes/serde.ts'
import type { StreamPartitioner, TopicNameExtractor } from '../../topology/nodes.ts'
import type { ErrorHandling } from './error-handling.ts'
import { RecordTooLargeError, StreamsError } from './errors.ts'
import type { RecordCollector } from './record-collector.ts'

/** What a sink needs to report an output record it cannot write to the production handler. */
export interface SinkProduction {
  readonly taskId: string
  readonly errors: ErrorHandling
  /** Largest record, as estimated on the wire; see `estimatedRecordSize`. */
  readonly maxRequestSize: number
  /** Topic → its own `max.message.bytes`, where one is set. */
  readonly topicMessageLimits: ReadonlyMap<string, number>
}

/**
 * The processor inside a sink node: serializes and hands the record to the task's collector.
 * The output keeps the record's timestamp and headers (Kafka Streams' `SinkNode`). A key or value
 * that does not serialize, or a record larger than `maxRequestSize`, is a production error of that
 * one output record — checked here, before sending, so the broker never refuses a whole batch.
 */
export class SinkProcessor implements Processor<any, any> {
  readonly #name: string
  readonly #staticTopic: string | undefined
  readonly #extractor: TopicNameExtractor<any, any> | undefined
  readonly #keySerde: Serde<any> | undefined
  readonly #valueSerde: Serde<any> | undefined
  readonly #partitioner: StreamPartitioner<any, any> | undefined
  readonly #collector: RecordCollector
  readonly #production: SinkProduction
  /** The size limit of the static topic, worked out once. */
  readonly #staticLimit: number | undefined

  constructor(
    name: string,
    topic: string | TopicNameExtractor<any, any>,
    keySerde: Serde<any> | undefined,
    valueSerde: Serde<any> | undefined,
    partitioner: StreamPartitioner<any, any> | undefined,
    collector: RecordCollector,
    production: SinkProduction,
  ) {
    this.#name = name
    this.#staticTopic = typeof topic === 'string' ? topic : undefined
    this.#extractor = typeof topic === 'string' ? undefined : topic
    this.#keySerde = keySerde
    this.#valueSerde = valueSerde
    this.#partitioner = partitioner
    this.#collector = collector
    this.#production = production
    this.#staticLimit = this.#staticTopic === undefined ? undefined : this.#limitFor(this.#staticTopic)
  }

  process(record: Record<any, any>): void {
    const topic = this.#staticTopic ?? this.#topicFor(record)
    let key: Buffer | null
    let value: Buffer | null
    try {
      key = record.key == null ? null : this.#serialize(this.#keySerde, topic, record.key, 'key')
      value = record.value == null ? null : this.#serialize(this.#valueSerde, topic, record.value, 'value')
    } catch (error) {
      this.#productionFailed(topic, error, record.timestamp)
      return
    }
    const headers = toClientHeaders(record.headers)
    const max = this.#staticLimit ?? this.#limitFor(topic)
    if ((key?.length ?? 0) + (value?.length ?? 0) + RECORD_BATCH_OVERHEAD > max) {
      const size = estimatedRecordSize(key, value, headers)
      if (size > max) {
        const byTopic = max < this.#production.maxRequestSize
        const error = new RecordTooLargeError(topic, size, max, byTopic ? `max.message.bytes of topic "${topic}"` : 'maxRequestSize')
        this.#productionFailed(topic, error, record.timestamp)
        return
      }
    }
    if (this.#partitioner === undefined) {
      this.#collector.send({ topic, key, value, timestamp: record.timestamp, headers })
      return
    }
    const partitions = this.#collector.partitionsFor(topic)
    if (partitions === undefined) {
      throw new StreamsError(`Sink "${this.#name}" has a partitioner but the partition count of topic "${topic}" is unknown`)
    }
    const partition = this.#partitioner(topic, record.key, record.value, partitions)
    if (partition === undefined) {
      this.#collector.send({ topic, key, value, timestamp: record.timestamp, headers })
    } else {
      if (!Number.isInteger(partition) || partition < 0 || partition >= partitions) {
        throw new StreamsError(`Partitioner of sink "${this.#name}" chose partition ${partition}; topic "${topic}" has ${partitions}`)
      }
      this.#collector.send({ topic, partition, key, value, timestamp: record.timestamp, headers })
    }
  }

  #limitFor(topic: string): number {
    const own = this.#production.topicMessageLimits.get(topic)
    return own === undefined ? this.#production.maxRequestSize : Math.min(own, this.#production.maxRequestSize)
  }

  #productionFailed(topic: string, error: unknown, timestamp: number): void {
    this.#production.errors.productionFailed(this.#production.taskId, this.#name, topic, error, timestamp)
  }

  #topicFor(record: Record<any, any>): string {
    const topic = this.#extractor!(record)
    if (typeof topic !== 'string' || topic.length === 0) {
      throw new StreamsError(`Topic name extractor of sink "${this.#name}" returned ${String(topic)}, not a topic name`)
    }
    this.#checkPrepared(this.#keySerde, topic, 'key')
    this.#checkPrepared(this.#valueSerde, topic, 'value')
    return topic
  }

  /**
   * A topic chosen per record was not known when the task prepared its serdes, and serializing
   * stays synchronous, so a serde that must first do I/O for that topic (Avro registering its
   * schema) fails the record with what to do, rather than a half-written output.
   */
  #checkPrepared(serde: Serde<any> | undefined, topic: string, what: 'key' | 'value'): void {
    const pending = serde?.prepareSerialize?.(topic)
    if (pending === undefined) return
    pending.catch(() => {}) // its failure is reported by the next attempt, not as an unhandled rejection
    throw new StreamsError(
      `Sink "${this.#name}": the ${what} serde (${serde!.name}) is not prepared for topic "${topic}" chosen by the topic name extractor; ` +
        `await serde.prepareSerialize(${JSON.stringify(topic)}) for every topic the extractor can choose before starting`,
    )
  }

  #serialize(serde: Serde<any> | undefined, topic: string, data: unknown, what: 'key' | 'value'): Buffer {
    if (serde !== undefined) return serde.serialize(topic, data)
    if (Buffer.isBuffer(data)) return data
    if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    throw new StreamsError(
      `Sink "${this.#name}" has no ${what} serde and the ${what} is a ${typeof data}, not a Buffer: give the sink (or the app) a ${what} serde`,
    )
  }
}

/** A record batch's header (61 bytes) plus a record's worst-case varint framing (21 bytes), as Kafka estimates. */
const RECORD_BATCH_OVERHEAD = 61 + 21

/**
 * Upper bound of the record's size in a batch of its own (Kafka's
 * `AbstractRecords.estimateSizeInBytesUpperBound`), which is what the producer compares with
 * `max.request.size` and the broker with `message.max.bytes`.
 */
export function estimatedRecordSize(key: Buffer | null, value: Buffer | null, headers: ClientHeaders): number {
  let size = RECORD_BATCH_OVERHEAD + (key?.length ?? 0) + (value?.length ?? 0)
  for (const name in headers) size += 10 + Buffer.byteLength(name, 'utf8') + headers[name]!.length
  return size
}

/** Record headers may hold strings for convenience; Kafka carries bytes. Copies only when needed. */
function toClientHeaders(headers: Headers): ClientHeaders {
  for (const name in headers) {
    if (typeof headers[name] === 'string') {
      const out: { [key: string]: Buffer } = {}
      for (const n in headers) {
        const v = headers[n]!
        out[n] = typeof v === 'string' ? Buffer.from(v, 'utf8') : v
      }
      return out
    }
  }
  return headers as ClientHeaders
}
