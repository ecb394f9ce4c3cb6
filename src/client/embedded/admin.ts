import type { Admin, TopicDescription, TopicPartition, TopicSpec } from '../port.ts'
import { partitionKey } from '../port.ts'
import type { EmbeddedKafka } from './embedded-kafka.ts'

/** Admin calls against the embedded broker; every call settles without I/O. */
export class EmbeddedAdmin implements Admin {
  readonly #kafka: EmbeddedKafka

  constructor(kafka: EmbeddedKafka) {
    this.#kafka = kafka
  }

  async createTopics(topics: ReadonlyArray<TopicSpec>): Promise<void> {
    for (const spec of topics) {
      if (!this.#kafka.hasTopic(spec.name)) this.#kafka.createTopic(spec.name, spec.numPartitions, spec.config ?? {})
    }
  }

  async describeTopics(names: ReadonlyArray<string>): Promise<Map<string, TopicDescription>> {
    const out = new Map<string, TopicDescription>()
    for (const name of names) {
      const description = this.#kafka.describeTopic(name)
      if (description) out.set(name, description)
    }
    return out
  }

  async deleteTopics(names: ReadonlyArray<string>): Promise<void> {
    for (const name of names) this.#kafka.deleteTopic(name)
  }

  async endOffsets(partitions: ReadonlyArray<TopicPartition>): Promise<Map<string, number>> {
    const out = new Map<string, number>()
    for (const p of partitions) {
      const log = this.#kafka.log(p.topic, p.partition)
      if (log) out.set(partitionKey(p.topic, p.partition), log.highWatermark)
    }
    return out
  }

  async committedOffsets(groupId: string, partitions: ReadonlyArray<TopicPartition>): Promise<Map<string, number>> {
    return this.#kafka.group(groupId).committed(partitions)
  }

  async close(): Promise<void> {}
}
