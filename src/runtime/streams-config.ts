import type { KafkaJsClientConfig } from '../client/kafkajs/kafkajs-client.ts'
import type { KafkaClient } from '../client/port.ts'
import type { Logger } from '../instrumentation/logger.ts'
import type { TracingConfig } from '../instrumentation/tracing-config.ts'
import type { MetricsConfig } from '../instrumentation/streams-metrics.ts'
import type { Serde } from '../serdes/serde.ts'
import type { StateRestoreListener } from './changelog-restorer.ts'
import type { StateStore } from '../state/store.ts'
import type { ErrorPolicy, TaskConfig } from './task/task-config.ts'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export type ProcessingGuarantee = 'at_least_once' | 'exactly_once' | 'exactly_once_v2'

/**
 * What to do when a stream thread dies of an error (Kafka Streams'
 * `StreamsUncaughtExceptionHandler` responses): stop this instance (state ERROR), or replace the
 * thread — close its tasks dirty, leave the group and join again with fresh tasks.
 */
export type UncaughtExceptionResponse = 'shutdown_client' | 'replace_thread'

export interface StreamsConfig {
  /** Consumer group id, prefix of internal topics and transactional ids, state sub-directory. */
  readonly applicationId: string
  /** The cluster as a client-port instance, e.g. an embedded broker several instances share. Exclusive with `kafka`. */
  readonly client?: KafkaClient
  /**
   * A real cluster through kafkajs: `brokers`, `clientId`, `ssl`, `sasl`, timeouts, retry and
   * consumer/producer tuning, passed through to kafkajs. Exclusive with `client`; with neither,
   * the instance runs on a private embedded broker.
   */
  readonly kafka?: KafkaJsClientConfig
  /**
   * `host:port` where this instance serves interactive queries (Kafka's `application.server`);
   * shared with the group so `queryMetadataForKey()` can say which instance holds a key.
   */
  readonly applicationServer?: string
  /** Root of local state; a task's stores live in `<stateDir>/<applicationId>/<taskId>`. */
  readonly stateDir?: string
  /** Default `at_least_once`. `exactly_once_v2` is accepted as a synonym of `exactly_once`. */
  readonly processingGuarantee?: ProcessingGuarantee
  /** Default 30000 under at-least-once, 100 under exactly-once (as Kafka Streams). */
  readonly commitIntervalMs?: number
  /** Standby copies of each stateful task kept warm on other instances (default 0). */
  readonly numStandbyReplicas?: number
  /** Longest a poll waits for records (Kafka's `poll.ms`); default 100. */
  readonly pollMs?: number
  /** Most records per poll; default the client's (1000 on the embedded broker). */
  readonly maxPollRecords?: number
  readonly logger?: Logger
  readonly defaultKeySerde?: Serde<any>
  readonly defaultValueSerde?: Serde<any>
  /** Default `fail`. */
  readonly deserializationExceptionHandler?: ErrorPolicy
  /** Default `fail`. User code that throws, punctuators included. See docs/error-handling.md. */
  readonly processingExceptionHandler?: ErrorPolicy
  /** Default `fail`. Output that does not serialize at a sink, or is larger than `maxRequestSize`. */
  readonly productionExceptionHandler?: ErrorPolicy
  /** Largest output record in bytes (Kafka's `max.request.size`); default 1 MiB. */
  readonly maxRequestSize?: number
  /**
   * How long tasks may fail with retriable client errors (broker unreachable, request timeouts,
   * the client's retries exhausted) before the error is fatal (Kafka Streams' `task.timeout.ms`);
   * default 300000. Until then each such failure closes the tasks dirty and rejoins the group:
   * they resume from the last commit once the broker answers. 0 makes the first one fatal.
   */
  readonly taskTimeoutMs?: number
  /** Default `shutdown_client`. */
  readonly uncaughtExceptionHandler?: (error: unknown) => UncaughtExceptionResponse
  readonly restoreListener?: StateRestoreListener
  /**
   * Prometheus metrics (prom-client): `{ registry }` to use your own registry, prom-client's
   * default `register` otherwise; `false` turns them off. See docs/observability.md.
   */
  readonly metrics?: MetricsConfig
  /**
   * OpenTelemetry spans per processed record when `@opentelemetry/api` is installed and an SDK is
   * registered (or `{ tracerProvider }` is given); `false` turns them off. Diagnostics channels
   * work either way.
   */
  readonly tracing?: TracingConfig
}

export interface ResolvedStreamsConfig {
  readonly applicationId: string
  readonly stateDir: string
  readonly exactlyOnce: boolean
  readonly commitIntervalMs: number
  readonly pollMs: number
  readonly maxPollRecords: number | undefined
  readonly numStandbyReplicas: number
  readonly applicationServer: string | undefined
  readonly taskTimeoutMs: number
}

export function resolveStreamsConfig(config: StreamsConfig): ResolvedStreamsConfig {
  if (typeof config.applicationId !== 'string' || !/^[A-Za-z0-9._-]+$/.test(config.applicationId)) {
    throw new TypeError(`applicationId must be a non-empty string of letters, digits, '.', '_' or '-', got ${JSON.stringify(config.applicationId)}`)
  }
  const guarantee = config.processingGuarantee ?? 'at_least_once'
  if (!['at_least_once', 'exactly_once', 'exactly_once_v2'].includes(guarantee)) {
    throw new TypeError(`processingGuarantee must be 'at_least_once' or 'exactly_once', got ${JSON.stringify(guarantee)}`)
  }
  const exactlyOnce = guarantee !== 'at_least_once'
  const standbys = config.numStandbyReplicas ?? 0
  if (!Number.isInteger(standbys) || standbys < 0) throw new TypeError(`numStandbyReplicas must be a whole number >= 0, got ${standbys}`)
  const commitIntervalMs = config.commitIntervalMs ?? (exactlyOnce ? 100 : 30_000)
  if (!(commitIntervalMs >= 0)) throw new TypeError(`commitIntervalMs must be >= 0, got ${commitIntervalMs}`)
  if (config.client !== undefined && config.kafka !== undefined) {
    throw new TypeError('Set either `client` (a client-port instance) or `kafka` (kafkajs settings), not both')
  }
  if (config.kafka !== undefined && !(Array.isArray(config.kafka.brokers) && config.kafka.brokers.length > 0)) {
    throw new TypeError('kafka.brokers must list at least one "host:port"')
  }
  if (config.applicationServer !== undefined && !/^[^:\s]+:\d+$/.test(config.applicationServer)) {
    throw new TypeError(`applicationServer must be "host:port", got ${JSON.stringify(config.applicationServer)}`)
  }
  const taskTimeoutMs = config.taskTimeoutMs ?? 300_000
  if (!(taskTimeoutMs >= 0)) throw new TypeError(`taskTimeoutMs must be >= 0, got ${taskTimeoutMs}`)
  const pollMs = config.pollMs ?? 100
  if (!(pollMs >= 0)) throw new TypeError(`pollMs must be >= 0, got ${pollMs}`)
  return {
    applicationId: config.applicationId,
    stateDir: config.stateDir ?? join(tmpdir(), 'kstreams'),
    exactlyOnce,
    commitIntervalMs,
    pollMs,
    maxPollRecords: config.maxPollRecords,
    numStandbyReplicas: standbys,
    applicationServer: config.applicationServer,
    taskTimeoutMs,
  }
}

/**
 * The settings every task of an instance shares, from its streams config (serdes, error handlers,
 * the record size limit) and from what the instance learned at start: the output topics' own
 * `max.message.bytes` and the global stores.
 */
export function taskConfigFor(
  config: StreamsConfig,
  logger: Logger,
  learned: { readonly messageLimits: ReadonlyMap<string, number>; readonly globalStores: ReadonlyMap<string, StateStore> | undefined },
): Omit<TaskConfig, 'applicationId' | 'collector' | 'stateDir'> {
  const c = config
  return {
    logger: { warn: (obj: object, msg: string) => logger.warn(obj, msg) },
    ...(c.defaultKeySerde ? { defaultKeySerde: c.defaultKeySerde } : {}),
    ...(c.defaultValueSerde ? { defaultValueSerde: c.defaultValueSerde } : {}),
    ...(c.deserializationExceptionHandler ? { deserializationExceptionHandler: c.deserializationExceptionHandler } : {}),
    ...(c.processingExceptionHandler ? { processingExceptionHandler: c.processingExceptionHandler } : {}),
    ...(c.productionExceptionHandler ? { productionExceptionHandler: c.productionExceptionHandler } : {}),
    ...(c.maxRequestSize !== undefined ? { maxRequestSize: c.maxRequestSize } : {}),
    ...(learned.messageLimits.size > 0 ? { topicMessageLimits: learned.messageLimits } : {}),
    ...(learned.globalStores ? { globalStores: learned.globalStores } : {}),
  }
}
