import type { ClientHeaders, ConsumerRecord, ProducerRecord } from '../client/port.ts'
import type { OutputSource } from './test-output-topic.ts'

/**
 * The topics as the test driver keeps them, in place of a broker: one partition each, offsets
 * counted per topic as records are piped in or fed back, and every record the topology wrote kept
 * per topic until a `TestOutputTopic` reads it.
 */
export class DriverTopics implements OutputSource {
  readonly #written = new Map<string, ProducerRecord[]>()
  readonly #produced = new Set<string>()
  readonly #nextOffset = new Map<string, number>()

  /** The record as a task consumes it: partition 0, the topic's next offset. */
  append(topic: string, key: Buffer | null, value: Buffer | null, timestamp: number, headers: ClientHeaders): ConsumerRecord {
    const offset = this.#nextOffset.get(topic) ?? 0
    this.#nextOffset.set(topic, offset + 1)
    return { topic, partition: 0, offset, key, value, timestamp, headers }
  }

  /** A record the topology wrote (sink, repartition or changelog topic). */
  written(record: ProducerRecord): void {
    this.#produced.add(record.topic)
    this.queue(record.topic).push(record)
  }

  /** What was written to `topic` and not read yet. */
  queue(topic: string): ProducerRecord[] {
    let q = this.#written.get(topic)
    if (q === undefined) {
      q = []
      this.#written.set(topic, q)
    }
    return q
  }

  /** Every topic written to so far. */
  producedTopicNames(): Set<string> {
    return new Set(this.#produced)
  }
}
