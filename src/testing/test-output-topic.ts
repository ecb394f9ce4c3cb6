import type { ProducerRecord } from '../client/port.ts'
import type { Serde } from '../serdes/serde.ts'
import type { KeyValue } from '../state/store.ts'
import { TestRecord, type TestOutputRecord } from './test-record.ts'

/** The driver's captured records of one topic, consumed in order. */
export interface OutputSource {
  queue(topic: string): ProducerRecord[]
}

/**
 * Reads what the topology produced to one topic (Kafka Streams' `TestOutputTopic`). Reading
 * consumes: each record is returned once, across all the read methods.
 */
export class TestOutputTopic<K, V> {
  readonly name: string
  readonly #source: OutputSource
  readonly #keySerde: Serde<K>
  readonly #valueSerde: Serde<V>

  constructor(source: OutputSource, name: string, keySerde: Serde<K>, valueSerde: Serde<V>) {
    this.#source = source
    this.name = name
    this.#keySerde = keySerde
    this.#valueSerde = valueSerde
  }

  readValue(): V {
    return this.readRecord().value
  }

  readKeyValue(): KeyValue<K, V> {
    const { key, value } = this.readRecord()
    return { key, value }
  }

  readRecord(): TestOutputRecord<K, V> {
    const raw = this.#source.queue(this.name).shift()
    if (raw === undefined) throw new Error(`Empty topic: ${this.name}`)
    const key = (raw.key === null ? null : this.#keySerde.deserialize(this.name, raw.key)) as K
    const value = (raw.value === null ? null : this.#valueSerde.deserialize(this.name, raw.value)) as V
    return new TestRecord(key, value, raw.timestamp, raw.headers ?? {}) as TestOutputRecord<K, V>
  }

  readValuesToList(): V[] {
    const out: V[] = []
    while (!this.isEmpty()) out.push(this.readValue())
    return out
  }

  readKeyValuesToList(): KeyValue<K, V>[] {
    const out: KeyValue<K, V>[] = []
    while (!this.isEmpty()) out.push(this.readKeyValue())
    return out
  }

  /**
   * The latest value per key. As in Kafka Streams, a key whose last record is a tombstone stays
   * in the map with a `null` value.
   */
  readKeyValuesToMap(): Map<K, V | null> {
    const out = new Map<K, V | null>()
    while (!this.isEmpty()) {
      const { key, value } = this.readKeyValue()
      if (key === null || key === undefined) throw new Error(`readKeyValuesToMap: topic ${this.name} has a record with a null key`)
      out.set(key, value)
    }
    return out
  }

  readRecordsToList(): TestOutputRecord<K, V>[] {
    const out: TestOutputRecord<K, V>[] = []
    while (!this.isEmpty()) out.push(this.readRecord())
    return out
  }

  isEmpty(): boolean {
    return this.#source.queue(this.name).length === 0
  }

  getQueueSize(): number {
    return this.#source.queue(this.name).length
  }
}
