import type { ConsumerRecord } from '../../client/port.ts'
import { DeadLetterHeaders, deadLetterRecord, defaultDeadLetterTopic, publishDeadLetter } from './dead-letter-queue.ts'
import { DeserializationError, ProcessingError, ProductionError, type RecordOrigin } from './errors.ts'
import type { ErrorHandlerKind, ErrorHandlerResponse, ResolvedErrorPolicy, ResolvedTaskConfig } from './task-config.ts'

type Decision = { readonly skip: false; readonly handlerError?: unknown } | { readonly skip: true; readonly dlqTopic: string | undefined }

/**
 * Applies a task's error handlers: asks the handler; on `continue` logs and returns, on `dlq`
 * writes the dead-letter record through the task's record collector — under exactly-once that is
 * the task's transactional producer, so the dead letter commits atomically with the consumed
 * offsets — and returns; on `fail` throws the engine's error, naming topic, partition, offset
 * and node. A handler that itself throws, or answers something else, counts as `fail`: the task
 * stops rather than loop over the record.
 */
export class ErrorHandling {
  readonly #config: ResolvedTaskConfig
  readonly #defaultDlq: string
  readonly #deadLetters: boolean
  /** The consumed record being processed; undefined while punctuating. Set by the task. */
  current: ConsumerRecord | undefined = undefined

  /** `deadLetters: false` (global stores): a `dlq` answer skips the record without a dead letter. */
  constructor(config: ResolvedTaskConfig, options: { readonly deadLetters?: boolean } = {}) {
    this.#config = config
    this.#deadLetters = options.deadLetters ?? true
    this.#defaultDlq = defaultDeadLetterTopic(config.applicationId)
  }

  /** Returns to skip the record; throws `DeserializationError` to fail. */
  deserializationFailed(origin: RecordOrigin & { topic: string; partition: number; offset: number }, raw: ConsumerRecord, error: unknown): void {
    const decision = this.#decide('deserialization', this.#config.deserializationExceptionHandler, origin, raw, error)
    if (decision.skip) {
      this.#skip('deserialization', decision.dlqTopic, origin, raw, error, raw.timestamp, 'a record that does not deserialize')
      return
    }
    throw withHandlerNote(new DeserializationError(origin, error), decision.handlerError)
  }

  /** Returns to skip the record (or punctuation); throws `ProcessingError` to fail. */
  processingFailed(origin: RecordOrigin, raw: ConsumerRecord | undefined, error: unknown, timestamp: number): void {
    // The production handler already answered `fail` for this one.
    if (error instanceof ProductionError) throw error
    const decision = this.#decide('processing', this.#config.processingExceptionHandler, origin, raw, error)
    if (decision.skip) {
      this.#skip('processing', decision.dlqTopic, origin, raw, error, timestamp, raw === undefined ? 'a punctuation that failed' : 'a record whose processing failed')
      return
    }
    throw withHandlerNote(new ProcessingError(origin, error), decision.handlerError)
  }

  /**
   * An output record of sink `node` for `outputTopic` could not be written. Returns to drop that
   * output (the input record goes on to other sinks); throws `ProductionError` to fail. A dead
   * letter carries the input record's bytes, as in Kafka 4.2.
   */
  productionFailed(taskId: string, node: string, outputTopic: string, error: unknown, timestamp: number): void {
    const raw = this.current
    const origin: RecordOrigin = { taskId, node, topic: raw?.topic, partition: raw?.partition, offset: raw?.offset }
    const decision = this.#decide('production', this.#config.productionExceptionHandler, origin, raw, error)
    if (decision.skip) {
      this.#skip('production', decision.dlqTopic, origin, raw, error, timestamp, `an output record for topic "${outputTopic}" that cannot be written`)
      return
    }
    throw withHandlerNote(new ProductionError(origin, outputTopic, error), decision.handlerError)
  }

  invalidTimestamp(origin: RecordOrigin, timestamp: unknown): void {
    this.#config.logger.warn({ ...origin, timestamp }, `Skipping a record with invalid timestamp ${String(timestamp)}`)
  }

  #decide(kind: ErrorHandlerKind, policy: ResolvedErrorPolicy, origin: RecordOrigin, raw: ConsumerRecord | undefined, error: unknown): Decision {
    let answer: ErrorHandlerResponse
    try {
      answer = policy.decide(
        { ...origin, rawKey: raw?.key, rawValue: raw?.value, headers: raw?.headers, timestamp: raw?.timestamp, handler: kind },
        error,
      )
    } catch (handlerError) {
      this.#config.logger.warn({ ...origin, err: handlerError }, `The ${kind} exception handler itself threw; failing the task`)
      return { skip: false, handlerError }
    }
    if (answer === 'continue') return { skip: true, dlqTopic: undefined }
    if (answer === 'dlq') return { skip: true, dlqTopic: this.#defaultDlq }
    if (typeof answer === 'object' && answer !== null && typeof answer.dlq === 'string' && answer.dlq.length > 0) {
      return { skip: true, dlqTopic: answer.dlq }
    }
    if (answer !== 'fail') {
      this.#config.logger.warn({ ...origin, answer: String(answer) }, `The ${kind} exception handler answered neither 'continue', 'fail', 'dlq' nor { dlq: topic }; failing the task`)
    }
    return { skip: false }
  }

  #skip(
    kind: ErrorHandlerKind,
    dlqTopic: string | undefined,
    origin: RecordOrigin,
    raw: ConsumerRecord | undefined,
    error: unknown,
    timestamp: number,
    what: string,
  ): void {
    // Never the record's key or value: they may hold personal data, and the dead letter keeps them.
    const where = { taskId: origin.taskId, node: origin.node, topic: origin.topic, partition: origin.partition, offset: origin.offset }
    if (dlqTopic === undefined || !this.#deadLetters) {
      const note = dlqTopic === undefined ? '' : ' (global stores do not dead-letter)'
      this.#config.logger.warn({ ...where, err: error }, `Skipping ${what}${note}: ${errorMessage(error)}`)
      return
    }
    const record = deadLetterRecord(dlqTopic, origin, raw, error, timestamp)
    this.#config.collector.send(record)
    // Not even the error's message, which may quote the bytes (JSON.parse does): it is in the dead letter.
    const exception = record.headers![DeadLetterHeaders.exception]!.toString()
    this.#config.logger.warn(
      { ...where, dlqTopic, handler: kind, exception },
      `Dead-lettered ${what} to topic "${dlqTopic}" (${exception}; message and stack trace in its headers)`,
    )
    publishDeadLetter({ applicationId: this.#config.applicationId, taskId: origin.taskId, handler: kind, sourceTopic: origin.topic, dlqTopic, node: origin.node })
  }
}

function withHandlerNote<E extends Error>(failure: E, handlerError: unknown): E {
  if (handlerError !== undefined) failure.message += ` (and the exception handler itself threw: ${errorMessage(handlerError)})`
  return failure
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
