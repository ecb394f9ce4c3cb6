import type { Serde } from '../../serdes/serde.ts'
import type { StateStore, StoreBuilder } from '../../state/store.ts'
import type { RecordCollector } from './record-collector.ts'

/**
 * What an error handler answers (Kafka Streams' `DeserializationHandlerResponse` /
 * `ProcessingHandlerResponse`): `fail` stops the task with the error, `continue` logs and skips
 * the record. A dead-letter queue is a handler that produces the raw record and answers `continue`.
 */
export type ErrorHandlerResponse = 'continue' | 'fail'

/** Everything a handler needs to log the failure or send the raw record to a dead-letter topic. */
export interface ErrorHandlerContext {
  readonly taskId: string
  readonly node: string
  /** Undefined when the failure happened in a punctuator. */
  readonly topic: string | undefined
  readonly partition: number | undefined
  readonly offset: number | undefined
  readonly rawKey: Buffer | null | undefined
  readonly rawValue: Buffer | null | undefined
  readonly headers: { readonly [key: string]: Buffer | string } | undefined
  readonly timestamp: number | undefined
}

export type ErrorHandler = (context: ErrorHandlerContext, error: unknown) => ErrorHandlerResponse

export type ErrorPolicy = ErrorHandlerResponse | ErrorHandler

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
  readonly deserializationExceptionHandler: ErrorHandler
  readonly processingExceptionHandler: ErrorHandler
  readonly defaultKeySerde: Serde<any> | undefined
  readonly defaultValueSerde: Serde<any> | undefined
  readonly globalStores: ReadonlyMap<string, StateStore>
  readonly storeBuilderOverride: (builder: StoreBuilder) => StoreBuilder
  readonly undoPartialWrites: boolean
}

function toHandler(policy: ErrorPolicy | undefined): ErrorHandler {
  if (policy === undefined || policy === 'fail') return () => 'fail'
  if (policy === 'continue') return () => 'continue'
  if (typeof policy === 'function') return policy
  throw new TypeError(`An error policy is 'fail', 'continue' or a handler function, got ${String(policy)}`)
}

export function resolveTaskConfig(config: TaskConfig): ResolvedTaskConfig {
  return {
    applicationId: config.applicationId,
    collector: config.collector,
    stateDir: config.stateDir,
    time: config.time ?? systemTime,
    logger: config.logger ?? consoleLogger,
    deserializationExceptionHandler: toHandler(config.deserializationExceptionHandler),
    processingExceptionHandler: toHandler(config.processingExceptionHandler),
    defaultKeySerde: config.defaultKeySerde,
    defaultValueSerde: config.defaultValueSerde,
    globalStores: config.globalStores ?? new Map(),
    storeBuilderOverride: config.storeBuilderOverride ?? ((builder) => builder),
    undoPartialWrites: config.undoPartialWrites ?? (config.processingExceptionHandler !== undefined && config.processingExceptionHandler !== 'fail'),
  }
}
