import { ClientClosedError, InvalidTransactionStateError, KafkaClientError, UnknownTopicOrPartitionError } from '../errors.ts'
import { murmur2Partition } from '../murmur2.ts'
import type { Producer, ProducerConfig, ProducerRecord, RecordMetadataResult, TopicPartitionOffset } from '../port.ts'
import type { PartitionLog } from './partition-log.ts'
import { NON_TRANSACTIONAL } from './partition-log.ts'
import type { Signal } from './signal.ts'
import type { ProducerSession, TransactionCoordinator } from './transaction-coordinator.ts'

/** What a producer needs from the broker. */
export interface ProducerBroker {
  readonly signal: Signal
  readonly transactions: TransactionCoordinator
  /** The topic; created when auto-creation is on, else undefined. */
  topicForProduce(topic: string): ProduceTarget | undefined
}

export interface ProduceTarget {
  readonly partitions: ReadonlyArray<PartitionLog>
  /** `cleanup.policy` includes `compact`: records need keys. */
  readonly compacted: boolean
}

/**
 * A producer on the embedded broker. Appends are synchronous (the promise is already settled),
 * so `send` of a batch costs one promise, not one per record. With a transactional id, records
 * go into the log at once but stay invisible to read_committed readers until commit.
 */
export class EmbeddedProducer implements Producer {
  readonly #broker: ProducerBroker
  readonly #transactionalId: string | undefined
  #session: ProducerSession | undefined
  #connected = false
  #closed = false
  /** Null-key round robin position per topic. */
  readonly #roundRobin = new Map<string, number>()

  constructor(broker: ProducerBroker, config: ProducerConfig) {
    this.#broker = broker
    this.#transactionalId = config.transactionalId
  }

  async connect(): Promise<void> {
    this.#checkOpen()
    if (this.#connected) return
    if (this.#transactionalId !== undefined) this.#session = this.#broker.transactions.init(this.#transactionalId)
    this.#connected = true
  }

  async send(records: ReadonlyArray<ProducerRecord>): Promise<RecordMetadataResult[]> {
    this.#checkReady()
    const session = this.#session
    if (session) {
      if (!this.#broker.transactions.inTransaction(session)) {
        throw new InvalidTransactionStateError(`Transactional producer "${session.transactionalId}" must call beginTransaction() before send()`)
      }
    }
    const pid = session ? session.pid : NON_TRANSACTIONAL
    const results: RecordMetadataResult[] = new Array(records.length)
    let lastTopic: string | undefined
    let target: ProduceTarget | undefined
    // Sends interleave topics (a sink and a changelog, record by record): remember the last few.
    const targets = new Map<string, ProduceTarget>()
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!
      if (record.topic !== lastTopic) {
        target = targets.get(record.topic) ?? this.#broker.topicForProduce(record.topic)
        if (!target) throw new UnknownTopicOrPartitionError(`Topic "${record.topic}" does not exist (auto-creation is off)`)
        targets.set(record.topic, target)
        lastTopic = record.topic
      }
      if (target!.compacted && record.key === null) {
        throw new KafkaClientError(`Compacted topic "${record.topic}" cannot accept a record without a key`)
      }
      const partitions = target!.partitions
      const log = partitions[this.#partition(record, partitions.length)]
      if (!log) throw new UnknownTopicOrPartitionError(`Partition ${record.partition} of "${record.topic}" does not exist`)
      if (session && !log.hasOpenTransaction(pid)) this.#broker.transactions.addPartition(session, log)
      const offset = log.append(record.key, record.value, record.timestamp, record.headers, pid)
      results[i] = { topic: record.topic, partition: log.partition, offset }
    }
    if (records.length > 0) this.#broker.signal.notify()
    return results
  }

  async beginTransaction(): Promise<void> {
    this.#broker.transactions.begin(this.#transactional())
  }

  async sendOffsets(groupId: string, offsets: ReadonlyArray<TopicPartitionOffset>): Promise<void> {
    this.#broker.transactions.addOffsets(this.#transactional(), groupId, offsets)
  }

  async commitTransaction(): Promise<void> {
    this.#broker.transactions.commit(this.#transactional())
  }

  async abortTransaction(): Promise<void> {
    this.#broker.transactions.abort(this.#transactional())
  }

  /** Leaves an open transaction open, as a crashed producer would: the next producer with the id aborts it. */
  async close(): Promise<void> {
    this.#closed = true
  }

  #partition(record: ProducerRecord, numPartitions: number): number {
    if (record.partition !== undefined) return record.partition
    if (record.key !== null) return murmur2Partition(record.key, numPartitions)
    const next = this.#roundRobin.get(record.topic) ?? 0
    this.#roundRobin.set(record.topic, next + 1)
    return next % numPartitions
  }

  #transactional(): ProducerSession {
    this.#checkReady()
    if (!this.#session) throw new InvalidTransactionStateError('Transactions need a producer created with a transactionalId')
    return this.#session
  }

  #checkReady(): void {
    this.#checkOpen()
    if (!this.#connected) throw new KafkaClientError('Producer is not connected: call connect() first')
    if (this.#session) this.#broker.transactions.check(this.#session)
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClientClosedError('Producer is closed')
  }
}
