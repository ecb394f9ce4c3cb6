import type { ConsumerRecord } from '../../client/port.ts'
import type { SourceNode } from './source-node.ts'

/** What a queue does when its head cannot become a record; throwing fails the task. */
export interface HeadFailureHandler {
  /** Returns to skip the record (`continue`), throws to fail. */
  onDeserializationError(queue: RecordQueue, raw: ConsumerRecord, error: unknown): void
  /** The timestamp extractor gave a negative or non-numeric time: the record is skipped. */
  onInvalidTimestamp(queue: RecordQueue, raw: ConsumerRecord, timestamp: unknown): void
}

const EMPTY: ReadonlyArray<ConsumerRecord> = []

/**
 * The buffered records of one input partition of a task (Kafka Streams' `RecordQueue`). The head
 * is deserialized ahead of processing because its timestamp — possibly from a timestamp extractor
 * that reads the value — decides which partition goes next. The head lives in plain fields, not
 * a per-record object, to keep the hot path allocation-free.
 */
export class RecordQueue {
  readonly topic: string
  readonly partition: number
  readonly source: SourceNode
  /** Highest timestamp taken from this queue; -1 before the first. */
  partitionTime = -1
  /** Offset after the last record taken: what to commit for this partition; -1 before the first. */
  consumedOffset = -1

  headRaw: ConsumerRecord | undefined = undefined
  headKey: unknown = undefined
  headValue: unknown = undefined
  headTimestamp = -1

  #records: ReadonlyArray<ConsumerRecord> = EMPTY
  #index = 0

  constructor(topic: string, partition: number, source: SourceNode) {
    this.topic = topic
    this.partition = partition
    this.source = source
  }

  /** Records are not copied when the queue is drained; the caller must not mutate the array afterwards. */
  addRawRecords(records: ReadonlyArray<ConsumerRecord>): void {
    if (records.length === 0) return
    if (this.#index >= this.#records.length) {
      this.#records = records
    } else {
      this.#records = this.#records.slice(this.#index).concat(records)
    }
    this.#index = 0
  }

  /** The serdes' async look-ahead for records about to be added; undefined when nothing needs fetching. */
  prepareRawRecords(records: ReadonlyArray<ConsumerRecord>): Promise<void> | undefined {
    let pending: Promise<void>[] | undefined
    for (const r of records) {
      const p = this.source.prepare(this.topic, r.key, r.value)
      if (p !== undefined) (pending ??= []).push(p)
    }
    return pending === undefined ? undefined : Promise.all(pending).then(() => undefined)
  }

  /** Buffered records, the deserialized head included. */
  size(): number {
    return this.#records.length - this.#index + (this.headRaw === undefined ? 0 : 1)
  }

  isEmpty(): boolean {
    return this.headRaw === undefined && this.#index >= this.#records.length
  }

  /** Makes the head ready; false when the queue is empty. Undecodable records go to `failures`. */
  ensureHead(failures: HeadFailureHandler): boolean {
    if (this.headRaw !== undefined) return true
    const source = this.source
    while (this.#index < this.#records.length) {
      const raw = this.#records[this.#index++]!
      let key: unknown
      let value: unknown
      try {
        key = source.deserializeKey(raw.topic, raw.key)
        value = source.deserializeValue(raw.topic, raw.value)
      } catch (error) {
        failures.onDeserializationError(this, raw, error)
        this.consumedOffset = raw.offset + 1
        continue
      }
      const extractor = source.timestampExtractor
      const timestamp = extractor === undefined
        ? raw.timestamp
        : extractor({ key, value, timestamp: raw.timestamp, topic: raw.topic }, this.partitionTime)
      if (!(timestamp >= 0)) {
        failures.onInvalidTimestamp(this, raw, timestamp)
        this.consumedOffset = raw.offset + 1
        continue
      }
      this.headRaw = raw
      this.headKey = key
      this.headValue = value
      this.headTimestamp = timestamp
      return true
    }
    if (this.#records.length > 0) {
      this.#records = EMPTY
      this.#index = 0
    }
    return false
  }

  /** Takes the head (after `ensureHead` returned true). */
  poll(): void {
    const raw = this.headRaw!
    if (this.headTimestamp > this.partitionTime) this.partitionTime = this.headTimestamp
    this.consumedOffset = raw.offset + 1
    this.headRaw = undefined
    this.headKey = undefined
    this.headValue = undefined
  }

  clear(): void {
    this.#records = EMPTY
    this.#index = 0
    this.headRaw = undefined
    this.headKey = undefined
    this.headValue = undefined
  }
}
