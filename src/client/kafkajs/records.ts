import type { IHeaders, Message } from 'kafkajs'
import type { ClientHeaders, ConsumerRecord, ProducerRecord, TopicPartition } from '../port.ts'

/** The fields of a fetched kafkajs message this adapter reads. */
export interface FetchedMessage {
  readonly offset: string
  readonly timestamp: string
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly headers?: IHeaders | undefined
}

const NO_HEADERS: ClientHeaders = Object.freeze({})

/**
 * kafkajs gives a repeated header key as an array; the port keeps one value per key, the last,
 * as Java's `Headers.lastHeader` would. Null header values are dropped: the port's are bytes.
 */
export function fromKafkaJsHeaders(headers: IHeaders | undefined): ClientHeaders {
  if (headers === undefined) return NO_HEADERS
  let out: { [key: string]: Buffer } | undefined
  for (const key in headers) {
    const raw = headers[key]
    const last = Array.isArray(raw) ? raw[raw.length - 1] : raw
    if (last === undefined || last === null) continue
    out ??= {}
    out[key] = typeof last === 'string' ? Buffer.from(last) : last
  }
  return out ?? NO_HEADERS
}

export function toConsumerRecord(topic: string, partition: number, message: FetchedMessage): ConsumerRecord {
  return {
    topic,
    partition,
    offset: Number(message.offset),
    key: message.key ?? null,
    value: message.value ?? null,
    timestamp: Number(message.timestamp),
    headers: fromKafkaJsHeaders(message.headers),
  }
}

/** A kafkajs message for `record`; the adapter's partitioner decides the partition when unset. */
export function toKafkaJsMessage(record: ProducerRecord): Message {
  const message: Message = { key: record.key, value: record.value, timestamp: String(record.timestamp) }
  if (record.partition !== undefined) message.partition = record.partition
  if (record.headers !== undefined) message.headers = { ...record.headers }
  return message
}

/** `[{ topic, partitions: [0, 2] }]`, the shape kafkajs's pause and resume take. */
export function groupByTopic(partitions: ReadonlyArray<TopicPartition>): Array<{ topic: string; partitions: number[] }> {
  const map = new Map<string, number[]>()
  for (const p of partitions) {
    const list = map.get(p.topic)
    if (list) list.push(p.partition)
    else map.set(p.topic, [p.partition])
  }
  return [...map].map(([topic, ps]) => ({ topic, partitions: ps }))
}
