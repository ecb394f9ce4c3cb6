import type { KafkaClient, Producer, ProducerRecord, RecordMetadataResult, TopicPartitionOffset } from '../client/port.ts'

/**
 * The producer a task writes through (Kafka Streams' `StreamsProducer`). Under at-least-once one
 * plain producer is shared by all tasks of the instance; under exactly-once each task has its own
 * transactional producer, `transactionalId = <applicationId>-<taskId>` (DESIGN.md, decision 6),
 * and a transaction is opened lazily by the first send or commit after the previous commit.
 *
 * The shared at-least-once producer is idempotent: after a failed send its sequence numbers may
 * no longer match the broker's (a batch cut off by a broker kill, which the broker may or may not
 * have kept), and every later send would fail with OUT_OF_ORDER_SEQUENCE_NUMBER. So a failed send
 * retires it, and the next send goes through a new producer (a new producer id), as the Java
 * producer resets its producer id after such errors (KIP-360). The records of the failed send
 * are produced again by the tasks' reprocessing from their last commit.
 */
export class StreamsProducer {
  readonly transactional: boolean
  readonly #client: KafkaClient
  #producer: Producer
  /** A send failed: the non-transactional producer is replaced before the next send. */
  #retired = false
  /** The replacement under way: tasks sending at the same time share it. */
  #renewing: Promise<void> | undefined
  #inTransaction = false
  #closed = false

  constructor(client: KafkaClient, transactionalId?: string) {
    this.transactional = transactionalId !== undefined
    this.#client = client
    this.#producer = client.producer(transactionalId === undefined ? {} : { transactionalId })
  }

  /** Under exactly-once this fences any older producer with the same id and aborts its transaction. */
  async connect(): Promise<void> {
    await this.#producer.connect()
  }

  async send(records: ReadonlyArray<ProducerRecord>): Promise<RecordMetadataResult[]> {
    if (this.transactional && !this.#inTransaction) await this.#begin()
    if (this.#retired) await (this.#renewing ??= this.#renew().finally(() => (this.#renewing = undefined)))
    const producer = this.#producer
    try {
      return await producer.send(records)
    } catch (error) {
      // Only the producer that failed is retired, not one a concurrent send already put in its place.
      if (!this.transactional && producer === this.#producer) this.#retired = true
      throw error
    }
  }

  async #renew(): Promise<void> {
    const old = this.#producer
    this.#producer = this.#client.producer({})
    await old.close().catch(() => {})
    // Still retired if the new one cannot connect: the next send tries another.
    await this.#producer.connect()
    this.#retired = false
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
