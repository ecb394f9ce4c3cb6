import type { Cancellable, Punctuator, PunctuationType } from '../../processors/processor.ts'
import type { ProcessorNode } from './processor-node.ts'
import { PunctuationQueue, type PunctuationRunner } from './punctuation-queue.ts'
import type { Time } from './task-config.ts'

/**
 * A task's punctuators, one queue per punctuation type as in Kafka Streams' `StreamTask`:
 * stream-time schedules fire as the task's stream time passes them, wall-clock schedules as the
 * clock does. The runner (the task) sets the context up around each punctuator.
 */
export class TaskPunctuation {
  readonly #streamTime = new PunctuationQueue()
  readonly #wallClock = new PunctuationQueue()
  readonly #time: Time

  constructor(time: Time) {
    this.#time = time
  }

  schedule(node: ProcessorNode, intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable {
    if (type === 'stream-time') {
      // Aligned to 0, like Kafka: fires as soon as there is stream time, then every interval.
      return this.#streamTime.schedule(node, type, 0, intervalMs, punctuator)
    }
    return this.#wallClock.schedule(node, type, this.#time.now() + intervalMs, intervalMs, punctuator)
  }

  /** `streamTime` is -1 before the task's first record: nothing fires until there is stream time. */
  maybePunctuateStreamTime(streamTime: number, runner: PunctuationRunner): boolean {
    if (streamTime < 0) return false
    return this.#streamTime.mayPunctuate(streamTime, runner)
  }

  maybePunctuateSystemTime(now: number, runner: PunctuationRunner): boolean {
    return this.#wallClock.mayPunctuate(now, runner)
  }
}
