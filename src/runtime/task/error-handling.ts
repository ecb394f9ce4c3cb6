import type { ConsumerRecord } from '../../client/port.ts'
import { DeserializationError, ProcessingError, type RecordOrigin } from './errors.ts'
import type { ErrorHandler, ResolvedTaskConfig } from './task-config.ts'

/**
 * Applies a task's error handlers: asks the handler, logs and returns when it answers
 * `continue`, throws the engine's error (naming topic, partition, offset and node) on `fail`.
 * A handler that itself throws counts as `fail`.
 */
export class ErrorHandling {
  readonly #config: ResolvedTaskConfig

  constructor(config: ResolvedTaskConfig) {
    this.#config = config
  }

  /** Returns to skip the record; throws `DeserializationError` to fail. */
  deserializationFailed(origin: RecordOrigin & { topic: string; partition: number; offset: number }, raw: ConsumerRecord, error: unknown): void {
    if (this.#ask(this.#config.deserializationExceptionHandler, origin, raw, error) === 'continue') {
      this.#config.logger.warn({ ...origin, err: error }, `Skipping a record that does not deserialize: ${errorMessage(error)}`)
      return
    }
    throw new DeserializationError(origin, error)
  }

  /** Returns to skip the record (or punctuation); throws `ProcessingError` to fail. */
  processingFailed(origin: RecordOrigin, raw: ConsumerRecord | undefined, error: unknown): void {
    if (this.#ask(this.#config.processingExceptionHandler, origin, raw, error) === 'continue') {
      this.#config.logger.warn({ ...origin, err: error }, `Skipping a record whose processing failed: ${errorMessage(error)}`)
      return
    }
    throw new ProcessingError(origin, error)
  }

  invalidTimestamp(origin: RecordOrigin, timestamp: unknown): void {
    this.#config.logger.warn({ ...origin, timestamp }, `Skipping a record with invalid timestamp ${String(timestamp)}`)
  }

  #ask(handler: ErrorHandler, origin: RecordOrigin, raw: ConsumerRecord | undefined, error: unknown): 'continue' | 'fail' {
    try {
      const answer = handler(
        { ...origin, rawKey: raw?.key, rawValue: raw?.value, headers: raw?.headers, timestamp: raw?.timestamp },
        error,
      )
      return answer === 'continue' ? 'continue' : 'fail'
    } catch (handlerError) {
      this.#config.logger.warn({ ...origin, err: handlerError }, 'The error handler itself threw; failing the task')
      return 'fail'
    }
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
