import type { ConnectionOptions } from 'node:tls'
// Before kafkajs loads: replace its quadratic produce grouping and its per-record encoder.
import './linear-grouping.ts'
import './record-encoder.ts'
import { Kafka } from 'kafkajs'
import type { SASLOptions } from 'kafkajs'
import type { Logger } from '../../instrumentation/logger.ts'
import { silentLogger } from '../../instrumentation/logger.ts'
import { murmur2Partition } from '../murmur2.ts'
import type { Admin, Consumer, ConsumerConfig, KafkaClient, PartitionReader, Producer, ProducerConfig } from '../port.ts'
import { filterAbortedTransactions } from './aborted-transactions.ts'
import { KafkaJsAdmin } from './admin.ts'
import { KafkaJsConsumer } from './consumer.ts'
import type { KafkaJsLogLevel } from './log-bridge.ts'
import { bridgeLogs, KAFKAJS_LEVELS } from './log-bridge.ts'
import { KafkaJsPartitionReader } from './partition-reader.ts'
import { KafkaJsProducer } from './producer.ts'

/** SASL settings, as kafkajs takes them (plain, SCRAM, OAUTHBEARER or AWS IAM). */
export type KafkaJsSasl =
  | { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string }
  | { readonly mechanism: 'oauthbearer'; readonly oauthBearerProvider: () => Promise<{ readonly value: string }> }
  | {
      readonly mechanism: 'aws'
      readonly authorizationIdentity: string
      readonly accessKeyId: string
      readonly secretAccessKey: string
      readonly sessionToken?: string
    }

export interface KafkaJsRetry {
  readonly maxRetryTime?: number
  readonly initialRetryTime?: number
  readonly factor?: number
  readonly multiplier?: number
  readonly retries?: number
}

export interface KafkaJsClientConfig {
  readonly brokers: ReadonlyArray<string>
  readonly clientId?: string
  readonly ssl?: boolean | ConnectionOptions
  readonly sasl?: KafkaJsSasl
  readonly connectionTimeout?: number
  readonly requestTimeout?: number
  readonly retry?: KafkaJsRetry
  /** Receives kafkajs's log lines (errors and warnings as such, the rest at debug); silent by default. */
  readonly logger?: Logger
  /** The most detail kafkajs produces; default `'info'`. */
  readonly logLevel?: KafkaJsLogLevel
  /** Replication factor of topics created without one; default -1, the broker's `default.replication.factor`. */
  readonly replicationFactor?: number
  readonly consumer?: {
    /** Kafka's `session.timeout.ms`; default 45000 (Kafka Streams' default). */
    readonly sessionTimeout?: number
    /** How long a rebalance waits for members (Kafka's `max.poll.interval.ms` plays this part); default 300000. */
    readonly rebalanceTimeout?: number
    /** Default 3000. */
    readonly heartbeatInterval?: number
    /** Kafka's `fetch.max.wait.ms`; default 500. */
    readonly maxWaitTimeInMs?: number
    /** Kafka's `max.partition.fetch.bytes`; default 1 MiB. */
    readonly maxBytesPerPartition?: number
    /** Kafka's `fetch.max.bytes`; default 50 MiB. */
    readonly maxBytes?: number
    /** Partition batches buffered at once for `poll()`; default 32. */
    readonly partitionsConsumedConcurrently?: number
    /** Kafka's `max.poll.records` unless the consumer config sets it; default 1000. */
    readonly maxPollRecords?: number
  }
  readonly producer?: {
    /** Kafka's `transaction.timeout.ms`; default 60000. */
    readonly transactionTimeout?: number
    /**
     * Kafka's `enable.idempotence` for non-transactional producers (transactional ones always
     * are); default true, as in Java since Kafka 3.0. Idempotent producers keep one request in
     * flight per broker.
     */
    readonly idempotent?: boolean
  }
  readonly reader?: {
    /** Bytes one fetch of a PartitionReader asks for; default 4 MiB. */
    readonly maxBytes?: number
  }
}

/**
 * The client port over kafkajs (DESIGN.md, decision 2): every consumer, producer, admin and
 * reader gets its own kafkajs `Kafka` instance, because kafkajs shares committed-offset caches
 * between the consumers of one instance, and one consumer's rebalance would clear another's.
 */
export class KafkaJsClient implements KafkaClient {
  readonly #config: KafkaJsClientConfig
  readonly #logger: Logger

  constructor(config: KafkaJsClientConfig) {
    if (config.brokers.length === 0) throw new TypeError('KafkaJsClientConfig.brokers needs at least one "host:port"')
    this.#config = config
    this.#logger = config.logger ?? silentLogger
  }

  admin(): Admin {
    return new KafkaJsAdmin(this.#kafka(), { defaultReplicationFactor: this.#config.replicationFactor ?? -1 })
  }

  consumer(config: ConsumerConfig): Consumer {
    const c = this.#config.consumer ?? {}
    const sessionTimeout = c.sessionTimeout ?? 45_000
    return new KafkaJsConsumer(this.#kafka(), config, {
      sessionTimeout,
      rebalanceTimeout: c.rebalanceTimeout ?? 300_000,
      heartbeatInterval: c.heartbeatInterval ?? Math.min(3000, Math.floor(sessionTimeout / 3)),
      maxWaitTimeInMs: c.maxWaitTimeInMs ?? 500,
      maxBytesPerPartition: c.maxBytesPerPartition ?? 1_048_576,
      maxBytes: c.maxBytes ?? 52_428_800,
      partitionsConsumedConcurrently: c.partitionsConsumedConcurrently ?? 32,
      maxPollRecords: config.maxPollRecords ?? c.maxPollRecords ?? 1000,
      logger: this.#logger,
    })
  }

  producer(config: ProducerConfig): Producer {
    return new KafkaJsProducer(this.#kafka(), config, {
      transactionTimeout: this.#config.producer?.transactionTimeout ?? 60_000,
      idempotent: this.#config.producer?.idempotent ?? true,
    })
  }

  partitionReader(config: { readonly isolationLevel: 'read_committed' | 'read_uncommitted' }): PartitionReader {
    return new KafkaJsPartitionReader(this.#kafka(), {
      readCommitted: config.isolationLevel === 'read_committed',
      maxBytes: this.#config.reader?.maxBytes ?? 4_194_304,
    })
  }

  partitionFor(key: Buffer, numPartitions: number): number {
    return murmur2Partition(key, numPartitions)
  }

  #kafka(): Kafka {
    const c = this.#config
    // kafkajs's own read_committed filter lets aborted records through (see aborted-transactions.ts).
    return filterAbortedTransactions(new Kafka({
      brokers: [...c.brokers],
      ...(c.clientId !== undefined ? { clientId: c.clientId } : {}),
      ...(c.ssl !== undefined ? { ssl: c.ssl } : {}),
      ...(c.sasl !== undefined ? { sasl: freshSasl(c.sasl) } : {}),
      ...(c.connectionTimeout !== undefined ? { connectionTimeout: c.connectionTimeout } : {}),
      ...(c.requestTimeout !== undefined ? { requestTimeout: c.requestTimeout } : {}),
      ...(c.retry !== undefined ? { retry: { ...c.retry } } : {}),
      logLevel: KAFKAJS_LEVELS[c.logLevel ?? 'info'],
      logCreator: bridgeLogs(this.#logger),
    }))
  }
}

export function createKafkaJsClient(config: KafkaJsClientConfig): KafkaClient {
  return new KafkaJsClient(config)
}

/**
 * A copy of the SASL settings for one kafkajs instance. kafkajs caches the authenticator it builds
 * for a built-in mechanism on the options object itself (`sasl.authenticationProvider`), bound
 * to the credentials it saw first: shared or spread from an object a client already used, it
 * would authenticate every later client with those credentials, whatever their own say.
 */
function freshSasl(sasl: KafkaJsSasl): SASLOptions {
  const { authenticationProvider: _cached, ...settings } = sasl as KafkaJsSasl & { authenticationProvider?: unknown }
  return { ...settings } as SASLOptions
}
