import type { Kafka, Message, Producer as KafkaJsProducerClient, RecordMetadata, Transaction } from 'kafkajs'
import {
  ClientClosedError,
  InvalidTransactionStateError,
  KafkaClientError,
  ProducerFencedError,
  TransactionCommitAmbiguousError,
} from '../errors.ts'
import { murmur2Partition } from '../murmur2.ts'
import type { Producer, ProducerConfig, ProducerRecord, RecordMetadataResult, TopicPartitionOffset } from '../port.ts'
import type { TransactionCoordinatorCache } from './coordinator-cache.ts'
import { withTransactionCoordinatorCache } from './coordinator-cache.ts'
import { isFenced, protocolErrorType, translateError } from './errors.ts'
import { toKafkaJsMessage } from './records.ts'

/** About 10 s of backoff (20 ms doubling, capped at 1 s). */
const CONCURRENT_TRANSACTIONS_RETRIES = 15

/**
 * kafkajs's retry policy for a transactional producer's sends. Right after a commit the
 * coordinator answers the next transaction's AddPartitionsToTxn with CONCURRENT_TRANSACTIONS
 * until the previous transaction's markers are written (milliseconds to tens of them). kafkajs
 * retries that inside `sendBatch` with its generic policy, 300 ms (± 20 %) doubling, so under
 * exactly-once every task's output stalled about 300 ms after each commit (measured: bench W6
 * p50 276 ms at a 100 ms commit interval; a send right after a commit took 300–370 ms instead of
 * 10–15). The Java producer retries this error after 20 ms (KAFKA-5477) and backs off at most
 * 1 s (`retry.backoff.max.ms`): the same here, growing by half per retry so a broker outage is
 * not hammered. Retries stay unbounded, kafkajs's own default for idempotent producers (a
 * bounded count could let a retried batch be given up while its sequence numbers were spent).
 * kafkajs logs each of these retries at error; the log bridge demotes them to debug.
 */
const TRANSACTIONAL_SEND_RETRY = { initialRetryTime: 20, multiplier: 1.5, maxRetryTime: 1000, retries: Number.MAX_SAFE_INTEGER }

export interface KafkaJsProducerOptions {
  /** How long the broker lets a transaction stay open before aborting it (and fencing this producer). */
  readonly transactionTimeout: number
  /** Whether a non-transactional producer is idempotent (a transactional one always is). */
  readonly idempotent: boolean
}

/**
 * The port's producer over kafkajs. With a `transactionalId` it is idempotent with one request
 * in flight, `connect()` initialises the producer id at once (fencing any older producer with
 * the same id and aborting its open transaction, as Java's `initTransactions` does), and every
 * `send` between `beginTransaction` and commit/abort goes through the open kafkajs transaction.
 *
 * After a fencing error the producer only throws `ProducerFencedError`; after a failed
 * `commitTransaction` it throws `TransactionCommitAmbiguousError` and refuses further use: the
 * runtime must discard it and create a new one, never abort (DESIGN.md, decision 6).
 */
export class KafkaJsProducer implements Producer {
  readonly #producer: KafkaJsProducerClient
  /** The transaction coordinator, remembered between requests (coordinator-cache.ts). */
  readonly #coordinator: TransactionCoordinatorCache
  readonly #transactionalId: string | undefined
  /** Partition chosen per message, so kafkajs's retries re-send a message to the same partition. */
  readonly #chosen = new WeakMap<Message, number>()
  #transaction: Transaction | undefined
  #broken: KafkaClientError | undefined
  #connected = false
  #closed = false

  constructor(kafka: Kafka, config: ProducerConfig, options: KafkaJsProducerOptions) {
    this.#transactionalId = config.transactionalId
    const transactional = config.transactionalId !== undefined
    const roundRobin = new Map<string, number>()
    const { created, cache } = withTransactionCoordinatorCache(kafka, () => kafka.producer({
      // Java's default partitioner for keys (murmur2), so kstreams and Java apps co-partition.
      createPartitioner: () => ({ topic, partitionMetadata, message }) => {
        // Set by the record collector for nearly every record: no need to remember it.
        if (message.partition !== undefined && message.partition !== null) return message.partition
        let partition = this.#chosen.get(message)
        if (partition !== undefined) return partition
        if (message.key !== null && message.key !== undefined) {
          partition = murmur2Partition(typeof message.key === 'string' ? Buffer.from(message.key) : message.key, partitionMetadata.length)
        } else {
          const next = roundRobin.get(topic) ?? 0
          roundRobin.set(topic, next + 1)
          partition = partitionMetadata[next % partitionMetadata.length]!.partitionId
        }
        this.#chosen.set(message, partition)
        return partition
      },
      // Kafka Streams' producers never create topics.
      allowAutoTopicCreation: false,
      // Idempotent (as Java's producer is by default since Kafka 3.0): kafkajs retries a whole
      // produce request when one partition of it fails, which would append the others twice.
      ...(transactional || options.idempotent ? { idempotent: true, maxInFlightRequests: 1 } : {}),
      ...(transactional ? { transactionalId: config.transactionalId, transactionTimeout: options.transactionTimeout, retry: TRANSACTIONAL_SEND_RETRY } : {}),
    }))
    this.#producer = created
    this.#coordinator = cache
  }

  async connect(): Promise<void> {
    this.#usable()
    if (this.#connected) return
    try {
      await this.#producer.connect()
      if (this.#transactionalId !== undefined) {
        // kafkajs initialises the producer id lazily, on the first transaction; an empty one
        // (begun and aborted without sending anything) does it now, without an EndTxn.
        const init = await this.#producer.transaction()
        await init.abort()
      }
    } catch (error) {
      throw this.#failed(error, 'producer connect')
    }
    this.#connected = true
    this.#coordinator.enable()
  }

  async send(records: ReadonlyArray<ProducerRecord>): Promise<RecordMetadataResult[]> {
    this.#ready()
    if (records.length === 0) return []
    if (this.#transactionalId !== undefined && !this.#transaction) {
      throw new InvalidTransactionStateError(`Transactional producer "${this.#transactionalId}" must call beginTransaction() before send()`)
    }
    const byTopic = new Map<string, Message[]>()
    const messages: Message[] = new Array(records.length)
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!
      const message = toKafkaJsMessage(record)
      messages[i] = message
      const list = byTopic.get(record.topic)
      if (list) list.push(message)
      else byTopic.set(record.topic, [message])
    }
    const topicMessages = [...byTopic].map(([topic, list]) => ({ topic, messages: list }))
    let responses: RecordMetadata[]
    try {
      responses = await (this.#transaction ?? this.#producer).sendBatch({ acks: -1, topicMessages })
    } catch (error) {
      throw this.#failed(error, 'send')
    }
    return this.#results(records, messages, responses)
  }

  async beginTransaction(): Promise<void> {
    this.#ready()
    if (this.#transactionalId === undefined) throw new InvalidTransactionStateError('Transactions need a producer created with a transactionalId')
    if (this.#transaction) throw new InvalidTransactionStateError(`Transaction of "${this.#transactionalId}" is already open`)
    try {
      this.#transaction = await this.#producer.transaction()
    } catch (error) {
      throw this.#failed(error, 'beginTransaction')
    }
  }

  async sendOffsets(groupId: string, offsets: ReadonlyArray<TopicPartitionOffset>): Promise<void> {
    const transaction = this.#open('sendOffsets')
    if (offsets.length === 0) return
    const topics = new Map<string, Array<{ partition: number; offset: string }>>()
    for (const o of offsets) {
      const list = topics.get(o.topic) ?? []
      list.push({ partition: o.partition, offset: String(o.offset) })
      topics.set(o.topic, list)
    }
    const request = { consumerGroupId: groupId, topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })) }
    for (let attempt = 0; ; attempt++) {
      try {
        await transaction.sendOffsets(request)
        return
      } catch (error) {
        // The coordinator is still finishing the previous transaction (its markers are being
        // written). The Java client retries; kafkajs does so for AddPartitionsToTxn but not here.
        if (protocolErrorType(error) === 'CONCURRENT_TRANSACTIONS' && attempt < CONCURRENT_TRANSACTIONS_RETRIES) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)))
          continue
        }
        throw this.#failed(error, 'sendOffsets')
      }
    }
  }

  async commitTransaction(): Promise<void> {
    const transaction = this.#open('commitTransaction')
    this.#transaction = undefined
    try {
      await transaction.commit()
    } catch (error) {
      if (isFenced(error)) throw this.#failed(error, 'commitTransaction')
      this.#coordinator.invalidate()
      // The commit may or may not have happened, and kafkajs's transaction state is stuck in
      // COMMITTING: only a new producer (whose init settles the transaction) can go on.
      this.#broken = new TransactionCommitAmbiguousError(
        `commitTransaction of "${this.#transactionalId}" failed with an unknown outcome; discard this producer and create a new one: ${
          error instanceof Error ? error.message : String(error)
        }`,
        { cause: error },
      )
      throw this.#broken
    }
  }

  async abortTransaction(): Promise<void> {
    const transaction = this.#open('abortTransaction')
    this.#transaction = undefined
    try {
      await transaction.abort()
    } catch (error) {
      const failure = this.#failed(error, 'abortTransaction')
      // kafkajs's state is stuck in ABORTING either way.
      this.#broken ??= failure instanceof ProducerFencedError ? failure : new KafkaClientError(`${failure.message}; discard this producer`, { cause: error })
      throw failure
    }
  }

  /** Leaves an open transaction open, as a crashed producer would: the next producer with the id aborts it. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#transaction = undefined
    await this.#producer.disconnect().catch(() => undefined)
  }

  /**
   * Per-record offsets: kafkajs answers one base offset per partition, and a batch keeps record
   * order per partition. Runs per record sent: next offsets are kept per topic in arrays indexed
   * by partition, with no key string built per record.
   */
  #results(records: ReadonlyArray<ProducerRecord>, messages: Message[], responses: RecordMetadata[]): RecordMetadataResult[] {
    const next = new Map<string, number[]>()
    for (const r of responses) {
      let offsets = next.get(r.topicName)
      if (offsets === undefined) next.set(r.topicName, (offsets = []))
      offsets[r.partition] = Number(r.baseOffset ?? r.offset ?? -1)
    }
    const out: RecordMetadataResult[] = new Array(records.length)
    let topic: string | undefined
    let offsets: number[] | undefined
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!
      if (record.topic !== topic) {
        topic = record.topic
        offsets = next.get(topic)
        if (offsets === undefined) next.set(topic, (offsets = []))
      }
      const partition = record.partition ?? this.#chosen.get(messages[i]!) ?? -1
      const offset = offsets![partition] ?? -1
      offsets![partition] = offset + 1
      out[i] = { topic, partition, offset }
    }
    return out
  }

  /** Translates a kafkajs failure (forgetting the coordinator, which may have moved); a fencing error makes every later call throw it too. */
  #failed(error: unknown, what: string): KafkaClientError {
    this.#coordinator.invalidate()
    const translated = translateError(error, `${what} (${this.#transactionalId ?? 'non-transactional producer'})`)
    if (translated instanceof ProducerFencedError) {
      this.#broken ??= translated
      this.#transaction = undefined
    }
    return translated
  }

  #open(what: string): Transaction {
    this.#ready()
    if (this.#transactionalId === undefined) throw new InvalidTransactionStateError('Transactions need a producer created with a transactionalId')
    if (!this.#transaction) throw new InvalidTransactionStateError(`${what}: no open transaction for "${this.#transactionalId}"`)
    return this.#transaction
  }

  #ready(): void {
    this.#usable()
    if (!this.#connected) throw new KafkaClientError('Producer is not connected: call connect() first')
  }

  #usable(): void {
    if (this.#closed) throw new ClientClosedError('Producer is closed')
    if (this.#broken) throw this.#broken
  }
}
