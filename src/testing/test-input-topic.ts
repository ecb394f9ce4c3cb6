import type { Headers } from '../processors/record.ts'
import type { Serde } from '../serdes/serde.ts'
import { TestRecord } from './test-record.ts'

/** How an input topic hands serialized records to its driver. */
export interface InputSink {
  pipe(topic: string, key: Buffer | null, value: Buffer | null, timestamp: number, headers: Headers): void
}

export interface TestInputTopicOptions {
  /** Timestamp of the first record piped without one; defaults to the driver's wall-clock time. */
  readonly startTimestamp?: number | Date
  /** How far the topic's clock moves after each record piped without a timestamp. */
  readonly autoAdvanceMs?: number
}

/**
 * Pipes typed records into one input topic of a `TopologyTestDriver` (Kafka Streams'
 * `TestInputTopic`). Each call processes the record synchronously, to completion.
 */
export class TestInputTopic<K, V> {
  readonly name: string
  readonly #sink: InputSink
  readonly #keySerde: Serde<K>
  readonly #valueSerde: Serde<V>
  #currentTime: number
  readonly #advanceMs: number

  constructor(sink: InputSink, name: string, keySerde: Serde<K>, valueSerde: Serde<V>, startTimestamp: number, autoAdvanceMs: number) {
    if (!(autoAdvanceMs >= 0)) throw new RangeError(`autoAdvanceMs must be >= 0, got ${autoAdvanceMs}`)
    this.#sink = sink
    this.name = name
    this.#keySerde = keySerde
    this.#valueSerde = valueSerde
    this.#currentTime = startTimestamp
    this.#advanceMs = autoAdvanceMs
  }

  /** Moves this topic's clock for records piped without a timestamp. */
  advanceTime(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advanceTime needs a non-negative duration, got ${ms}`)
    this.#currentTime += ms
  }

  pipeInput(key: K, value: V, timestamp?: number | Date): void {
    this.pipeRecord(new TestRecord(key, value, timestamp))
  }

  /** A record with a null key. */
  pipeValue(value: V, timestamp?: number | Date): void {
    this.pipeRecord(new TestRecord(null as K, value, timestamp))
  }

  pipeRecord(record: TestRecord<K, V> | { readonly key?: K; readonly value: V; readonly timestamp?: number | Date; readonly headers?: Headers }): void {
    const ts = record.timestamp instanceof Date ? record.timestamp.getTime() : record.timestamp
    const timestamp = ts ?? this.#nextTime()
    const key = record.key == null ? null : this.#keySerde.serialize(this.name, record.key)
    const value = record.value == null ? null : this.#valueSerde.serialize(this.name, record.value)
    this.#sink.pipe(this.name, key, value, timestamp, record.headers ?? {})
  }

  /** Null-keyed records; with `startTimestamp`, record i gets `startTimestamp + i * advanceMs`. */
  pipeValueList(values: ReadonlyArray<V>, startTimestamp?: number | Date, advanceMs = 0): void {
    this.pipeKeyValueList(values.map((value) => ({ key: null as K, value })), startTimestamp, advanceMs)
  }

  pipeKeyValueList(entries: ReadonlyArray<{ readonly key: K; readonly value: V }>, startTimestamp?: number | Date, advanceMs = 0): void {
    let time = startTimestamp instanceof Date ? startTimestamp.getTime() : startTimestamp
    for (const { key, value } of entries) {
      this.pipeRecord(new TestRecord(key, value, time))
      if (time !== undefined) time += advanceMs
    }
  }

  pipeRecordList(records: ReadonlyArray<TestRecord<K, V>>): void {
    for (const record of records) this.pipeRecord(record)
  }

  #nextTime(): number {
    const t = this.#currentTime
    this.#currentTime += this.#advanceMs
    return t
  }
}
