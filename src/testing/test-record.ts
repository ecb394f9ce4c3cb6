import type { Headers } from '../processors/record.ts'

const NO_HEADERS: Headers = Object.freeze({})

/** A record piped into or read from the test driver (Kafka Streams' `TestRecord`). */
export class TestRecord<K, V> {
  readonly key: K
  readonly value: V
  /** Undefined on input: the input topic's clock decides. Always set on output records. */
  readonly timestamp: number | undefined
  readonly headers: Headers

  constructor(key: K, value: V, timestamp?: number | Date, headers: Headers = NO_HEADERS) {
    this.key = key
    this.value = value
    this.timestamp = timestamp instanceof Date ? timestamp.getTime() : timestamp
    this.headers = headers
  }
}

/** An output record: its timestamp is always known. */
export interface TestOutputRecord<K, V> extends TestRecord<K, V> {
  readonly timestamp: number
}
