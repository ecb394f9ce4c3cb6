/**
 * Record headers: Kafka carries bytes; strings are accepted for convenience and encoded as UTF-8
 * when the record is produced.
 */
export type Headers = { readonly [key: string]: Buffer | string }

const EMPTY_HEADERS: Headers = Object.freeze({})

/**
 * An immutable record flowing through the processor graph (Kafka Streams'
 * `org.apache.kafka.streams.processor.api.Record`). `with*` returns a copy, so a processor can
 * forward a changed record without touching the one its parent still holds.
 *
 * `value === null` is a tombstone (delete) for tables and changelogs.
 */
export class Record<K, V> {
  readonly key: K
  readonly value: V
  /** Event time in epoch milliseconds. */
  readonly timestamp: number
  readonly headers: Headers

  constructor(key: K, value: V, timestamp: number, headers: Headers = EMPTY_HEADERS) {
    if (!Number.isFinite(timestamp) || timestamp < 0) {
      throw new RangeError(`Record timestamp must be a non-negative epoch millisecond value, got ${timestamp}`)
    }
    this.key = key
    this.value = value
    this.timestamp = timestamp
    this.headers = headers
  }

  withKey<K2>(key: K2): Record<K2, V> {
    return new Record(key, this.value, this.timestamp, this.headers)
  }

  withValue<V2>(value: V2): Record<K, V2> {
    return new Record(this.key, value, this.timestamp, this.headers)
  }

  withTimestamp(timestamp: number): Record<K, V> {
    return new Record(this.key, this.value, timestamp, this.headers)
  }

  withHeaders(headers: Headers): Record<K, V> {
    return new Record(this.key, this.value, this.timestamp, headers)
  }
}

/** Where the record being processed came from; absent for records created by a punctuator. */
export interface RecordMetadata {
  readonly topic: string
  readonly partition: number
  readonly offset: number
}
