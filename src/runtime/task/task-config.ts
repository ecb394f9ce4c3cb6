import type { Serde } from '../../serdes/serde.ts'
import type { StateStore, StoreBuilder } from '../../state/store.ts'
import type { RecordCollector } from './record-collector.ts'

/**
 * What an error handler answers (Kafka Streams' `DeserializationHandlerResponse`,
 * `ProcessingHandlerResponse`, `ProductionExceptionHandlerResponse`): `fail` stops the task with
 * the error, `continue` logs and skips the record, `dlq` skips it after writing its raw bytes to
 * the application's dead-letter topic (`<applicationId>-dlq`), `{ dlq: topic }` to that topic.
 */
export type ErrorHandlerResponse = 'continue' | 'fail' | 'dlq' | { readonly dlq: string }

/** Which handler is asked: bytes that do not decode, user code that throws, output that cannot be written. */
export type ErrorHandlerKind = 'deserialization' | 'processing' | 'production'

/** Everything a handler needs to log the failure or send the raw record to a dead-letter topic. */
export interface ErrorHandlerContext {
  readonly taskId: string
  readonly node: string
  /** Undefined when the failure happened in a punctuator. */
  readonly topic: string | undefined
  readonly partition: number | undefined
  readonly offset: number | undefined
  /** The consumed record's bytes (for a production error too: the input record being processed). */
  readonly rawKey: Buffer | null | undefined
  readonly rawValue: Buffer | null | undefined
  readonly headers: { readonly [key: string]: Buffer | string } | undefined
  readonly timestamp: number | undefined
  /** Absent when a handler written before production handlers existed is called by old code. */
  readonly handler?: ErrorHandlerKind
}

export type ErrorHandler = (context: ErrorHandlerContext, error: unknown) => ErrorHandlerResponse

/**
 * How a kind of error is handled: a fixed answer, a dead-letter topic of one's own
 * (`{ handler: 'dlq', topic }`), or a function deciding per error.
 */
export type ErrorPolicy = 'continue' | 'fail' | 'dlq' | { readonly handler: 'dlq'; readonly topic: string } | ErrorHandler

/** The subset of pino's API the engine logs through. */
export interface TaskLogger {
  warn(object: object, message: string): void
}

export interface Time {
  /** Wall-clock milliseconds; the test driver substitutes a mock clock. */
  now(): number
}

export const systemTime: Time = { now: () => Date.now() }

const consoleLogger: TaskLogger = {
  warn(object, message) {
    console.warn(`[kstreams] ${message}`, object)
  },
}

export interface TaskConfig {
  readonly applicationId: string
  readonly collector: RecordCollector
  /** Root state directory; a task's persistent stores live in `<stateDir>/<applicationId>/<taskId>`. */
  readonly stateDir: string
  readonly time?: Time
  readonly logger?: TaskLogger
  /** Default `fail`. */
  readonly deserializationExceptionHandler?: ErrorPolicy
  /** Default `fail`. */
  readonly processingExceptionHandler?: ErrorPolicy
  /** Serialization failures at a sink and output records larger than `maxRequestSize`. Default `fail`. */
  readonly productionExceptionHandler?: ErrorPolicy
  /**
   * Largest output record, in bytes as estimated on the wire (Kafka's `max.request.size`, 1 MiB):
   * a bigger one is a production error of that record instead of a batch the broker refuses.
   */
  readonly maxRequestSize?: number
  /** Topic → `max.message.bytes` set on that output topic, when lower than `maxRequestSize` it is the limit. */
  readonly topicMessageLimits?: ReadonlyMap<string, number>
  /** Used where a source or sink has no serde; without one, keys and values stay `Buffer`. */
  readonly defaultKeySerde?: Serde<any>
  readonly defaultValueSerde?: Serde<any>
  /** Global stores, by name, readable from every processor (built once per instance). */
  readonly globalStores?: ReadonlyMap<string, StateStore>
  /**
   * Take back a failed record's writes to in-memory stores (see undo-log.ts). Default: on when
   * the processing handler may answer `continue`, off under plain `fail`, where the failed task is
   * closed dirty and its in-memory stores are rebuilt from their changelogs. Persistent stores'
   * writes are always taken back, whatever this says.
   */
  readonly undoPartialWrites?: boolean
  /** Replaces store builders before building (the test driver swaps RocksDB for memory). */
  readonly storeBuilderOverride?: (builder: StoreBuilder) => StoreBuilder
}

export interface ResolvedTaskConfig {
  readonly applicationId: string
  readonly collector: RecordCollector
  readonly stateDir: string
  readonly time: Time
  readonly logger: TaskLogger
  readonly deserializationExceptionHandler: ResolvedErrorPolicy
  readonly processingExceptionHandler: ResolvedErrorPolicy
  readonly productionExceptionHandler: ResolvedErrorPolicy
  readonly maxRequestSize: number
  readonly topicMessageLimits: ReadonlyMap<string, number>
  readonly defaultKeySerde: Serde<any> | undefined
  readonly defaultValueSerde: Serde<any> | undefined
  readonly globalStores: ReadonlyMap<string, StateStore>
  readonly storeBuilderOverride: (builder: StoreBuilder) => StoreBuilder
  readonly undoPartialWrites: boolean
}

/** Kafka's `max.request.size` default. */
export const DEFAULT_MAX_REQUEST_SIZE = 1024 * 1024

/** A policy as the engine applies it: a function, and whether it may skip (continue or dead-letter). */
export interface ResolvedErrorPolicy {
  readonly decide: (context: ErrorHandlerContext, error: unknown) => ErrorHandlerResponse
  readonly maySkip: boolean
}

export function resolveErrorPolicy(policy: ErrorPolicy | undefined, what = 'error policy'): ResolvedErrorPolicy {
  if (policy === undefined || policy === 'fail') return { decide: () => 'fail', maySkip: false }
  if (policy === 'continue' || policy === 'dlq') return { decide: () => policy, maySkip: true }
  if (typeof policy === 'function') return { decide: policy, maySkip: true }
  if (typeof policy === 'object' && policy !== null && policy.handler === 'dlq' && typeof policy.topic === 'string' && policy.topic.length > 0) {
    const answer = { dlq: policy.topic }
    return { decide: () => answer, maySkip: true }
  }
  throw new TypeError(`An ${what} is 'fail', 'continue', 'dlq', { handler: 'dlq', topic } or a handler function, got ${JSON.stringify(policy) ?? String(policy)}`)
}

export function resolveTaskConfig(config: TaskConfig): ResolvedTaskConfig {
  return {
    applicationId: config.applicationId,
    collector: config.collector,
    stateDir: config.stateDir,
    time: config.time ?? systemTime,
    logger: config.logger ?? consoleLogger,
    deserializationExceptionHandler: resolveErrorPolicy(config.deserializationExceptionHandler, 'deserializationExceptionHandler'),
    processingExceptionHandler: resolveErrorPolicy(config.processingExceptionHandler, 'processingExceptionHandler'),
    productionExceptionHandler: resolveErrorPolicy(config.productionExceptionHandler, 'productionExceptionHandler'),
    maxRequestSize: config.maxRequestSize ?? DEFAULT_MAX_REQUEST_SIZE,
    topicMessageLimits: config.topicMessageLimits ?? new Map(),
    defaultKeySerde: config.defaultKeySerde,
    defaultValueSerde: config.defaultValueSerde,
    globalStores: config.globalStores ?? new Map(),
    storeBuilderOverride: config.storeBuilderOverride ?? ((builder) => builder),
    undoPartialWrites: config.undoPartialWrites ?? (config.processingExceptionHandler !== undefined && config.processingExceptionHandler !== 'fail'),
  }
}
