import type { ProducerRecord } from '../../client/port.ts'
import type { RecordCollector } from './record-collector.ts'

/**
 * Keeps sent records in memory, in send order, until drained: the test driver's collector, and a
 * handy one for unit tests of the task engine.
 */
export class InMemoryRecordCollector implements RecordCollector {
  #records: ProducerRecord[] = []
  readonly #partitions: (topic: string) => number | undefined

  /** `partitions` answers `partitionsFor`; by default every topic has one partition. */
  constructor(partitions: (topic: string) => number | undefined = () => 1) {
    this.#partitions = partitions
  }

  send(record: ProducerRecord): void {
    this.#records.push(record)
  }

  partitionsFor(topic: string): number | undefined {
    return this.#partitions(topic)
  }

  flush(): void {}

  get size(): number {
    return this.#records.length
  }

  /** Returns everything sent since the last drain and forgets it. */
  drain(): ProducerRecord[] {
    const records = this.#records
    this.#records = []
    return records
  }
}
