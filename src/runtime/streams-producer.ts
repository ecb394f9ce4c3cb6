import type { KafkaClient, Producer, ProducerRecord, RecordMetadataResult, TopicPartitionOffset } from '../client/port.ts'

/**
 * The producer a task writes through (Kafka Streams' `StreamsProducer`). Under at-least-once one
 * plain producer is shared by all tasks of the instance; under exactly-once each task has its own
 * transactional producer, `transactionalId = <applicationId>-<taskId>` (DESIGN.md, decision 6),
 * and a transaction is opened lazily by the first send or commit after the previous commit.
 */
export class StreamsProducer {
  readonly transactional: boolean
  readonly #producer: Producer
  #inTransaction = false
  #closed = false

  constructor(client: KafkaClient, transactionalId?: string) {
    this.transactional = transactionalId !== undefined
    this.#producer = client.producer(transactionalId === undefined ? {} : { transactionalId })
  }

  /** Under exactly-once this fences any older producer with the same id and aborts its transaction. */
  async connect(): Promise<void> {
    await this.#producer.connect()
  }

  async send(records: ReadonlyArray<ProducerRecord>): Promise<RecordMetadataResult[]> {
    if (this.transactional && !this.#inTransaction) await this.#begin()
    return this.#producer.send(records)
  }

  /** Commits the open transaction with the consumed offsets (exactly-once only). */
  async commitTransaction(groupId: string, offsets: ReadonlyArray<TopicPartitionOffset>): Promise<void> {
    if (!this.#inTransaction) await this.#begin()
    if (offsets.length > 0) await this.#producer.sendOffsets(groupId, offsets)
    // Cleared before the call: after an ambiguous failure the producer is discarded, never aborted.
    this.#inTransaction = false
    await this.#producer.commitTransaction()
  }

  async abortTransaction(): Promise<void> {
    if (!this.#inTransaction) return
    this.#inTransaction = false
    await this.#producer.abortTransaction()
  }

  get inTransaction(): boolean {
    return this.#inTransaction
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#producer.close()
  }

  async #begin(): Promise<void> {
    await this.#producer.beginTransaction()
    this.#inTransaction = true
  }
}
