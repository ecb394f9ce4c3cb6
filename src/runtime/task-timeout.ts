import { CommitFailedError, KafkaClientError, ProducerFencedError } from '../client/errors.ts'
import { StreamsError } from './task/errors.ts'

/**
 * A client error worth waiting out: the broker is unreachable, a request timed out, the client's
 * own retries ran out, a partition has no leader for now. Kafka Streams treats these (its
 * `TimeoutException`s and `RetriableException`s from sends, commits and fetches) as "the task
 * cannot make progress yet" within `task.timeout.ms`, not as fatal. A fenced producer and a
 * refused offset commit are retriable in no sense: they mean the task migrated (TaskMigratedError).
 */
export function isRetriableClientError(error: unknown): error is KafkaClientError {
  return error instanceof KafkaClientError && error.retriable && !(error instanceof ProducerFencedError) && !(error instanceof CommitFailedError)
}

/** Tasks could not make progress within `taskTimeoutMs` (Kafka Streams' `TimeoutException` after `task.timeout.ms`). */
export class TaskTimeoutError extends StreamsError {
  override name = 'TaskTimeoutError'
}

/** First wait after a retriable failure; doubles with each further one up to `MAX_BACKOFF_MS`. */
const INITIAL_BACKOFF_MS = 500
const MAX_BACKOFF_MS = 10_000

/**
 * A thread's patience with retriable client errors (Kafka Streams' `task.timeout.ms`): the
 * window opens at the first failure and closes at the next success (a commit for the stream
 * thread, a read for the global one); a failure when the window is older than `timeoutMs` is
 * fatal. Failures come every few seconds while the broker is down (each is the end of the
 * client's own retries), so a failure long after the previous one starts a new window rather
 * than finding an old one expired — "long" not counting the backoff this class asked for, or a
 * `timeoutMs` below the 10 s backoff cap would open a new window at every failure and never end.
 */
export class TaskTimeout {
  readonly timeoutMs: number
  /** Who made no progress, for the error: "Tasks", "The global stream thread". */
  readonly #subject: string
  #since: number | undefined
  #last: number | undefined
  #lastBackoffMs = 0
  #failures = 0

  constructor(timeoutMs: number, subject = 'Tasks') {
    this.timeoutMs = timeoutMs
    this.#subject = subject
  }

  /**
   * Records a retriable failure at `now`; returns how long to back off before trying again, or
   * throws `TaskTimeoutError` when the failures have lasted longer than `timeoutMs`.
   */
  failed(error: KafkaClientError, now: number = Date.now()): { readonly backoffMs: number; readonly elapsedMs: number } {
    if (this.#since === undefined || this.#last === undefined || now - this.#last - this.#lastBackoffMs > this.timeoutMs) {
      this.#since = now
      this.#failures = 0
    }
    this.#last = now
    this.#failures++
    const elapsedMs = now - this.#since
    if (elapsedMs >= this.timeoutMs) {
      throw new TaskTimeoutError(
        `${this.#subject} made no progress for ${elapsedMs} ms (${this.#failures} retriable failures), longer than taskTimeoutMs ${this.timeoutMs}: ${error.message}`,
        { cause: error },
      )
    }
    const backoffMs = Math.min(MAX_BACKOFF_MS, INITIAL_BACKOFF_MS * 2 ** (this.#failures - 1))
    this.#lastBackoffMs = backoffMs
    return { backoffMs, elapsedMs }
  }

  /** A commit went through: the tasks progress again. */
  succeeded(): void {
    this.#since = undefined
    this.#last = undefined
    this.#lastBackoffMs = 0
    this.#failures = 0
  }

  /** Whether a failure is being waited out. */
  get waiting(): boolean {
    return this.#since !== undefined
  }
}
