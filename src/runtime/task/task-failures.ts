import type { ConsumerRecord } from '../../client/port.ts'
import type { ErrorHandling } from './error-handling.ts'
import { ProcessingError } from './errors.ts'
import type { ProcessorContextImpl } from './processor-context.ts'
import type { HeadFailureHandler, RecordQueue } from './record-queue.ts'
import type { UndoLog } from './undo-log.ts'

/**
 * Where a task's record-level failures go: an input record that does not deserialize or has no
 * valid timestamp (a queue's head), and a processor or punctuator that throws. Each asks the
 * task's error handlers (error-handling.ts), naming the task, node, topic, partition and offset.
 * A `fail` answer calls `markFailed` before the error propagates, so the task can no longer commit.
 */
export class TaskFailures implements HeadFailureHandler {
  readonly #taskId: string
  readonly #context: ProcessorContextImpl
  readonly #errors: ErrorHandling
  readonly #undo: UndoLog
  readonly #markFailed: () => void

  constructor(taskId: string, context: ProcessorContextImpl, errors: ErrorHandling, undo: UndoLog, markFailed: () => void) {
    this.#taskId = taskId
    this.#context = context
    this.#errors = errors
    this.#undo = undo
    this.#markFailed = markFailed
  }

  onDeserializationError(queue: RecordQueue, raw: ConsumerRecord, error: unknown): void {
    const origin = { taskId: this.#taskId, node: queue.source.name, topic: raw.topic, partition: raw.partition, offset: raw.offset }
    try {
      this.#errors.deserializationFailed(origin, raw, error)
    } catch (failure) {
      this.#markFailed()
      throw failure
    }
  }

  onInvalidTimestamp(queue: RecordQueue, raw: ConsumerRecord, timestamp: unknown): void {
    this.#errors.invalidTimestamp({ taskId: this.#taskId, node: queue.source.name, topic: raw.topic, partition: raw.partition, offset: raw.offset }, timestamp)
  }

  /**
   * The processor the context is at threw while processing `raw` (undefined: in a punctuator). Its
   * store writes are taken back first, so a skipped record leaves nothing of itself behind.
   */
  onProcessingError(error: unknown, raw: ConsumerRecord | undefined): void {
    const origin = { taskId: this.#taskId, node: this.#context.currentNode.name, topic: raw?.topic, partition: raw?.partition, offset: raw?.offset }
    try {
      this.#undo.rollback()
      this.#errors.processingFailed(origin, raw, error, this.#context.timestamp)
    } catch (failure) {
      this.#markFailed()
      throw failure instanceof ProcessingError ? failure : new ProcessingError(origin, failure)
    }
  }
}
