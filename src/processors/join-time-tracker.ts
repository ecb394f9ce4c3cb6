import type { ProcessorContext } from './processor.ts'

/**
 * Time shared by the two sides of one stream-stream join in one task (Kafka's
 * `KStreamImplJoin.TimeTracker`): the stream time over both inputs, and the oldest timestamp
 * waiting in the outer-join store, so a side can tell cheaply whether anything may be due.
 */
export class JoinTimeTracker {
  streamTime = -1
  minTime = Number.MAX_SAFE_INTEGER

  advanceStreamTime(timestamp: number): void {
    if (timestamp > this.streamTime) this.streamTime = timestamp
  }

  updatedMinTime(timestamp: number): void {
    if (timestamp < this.minTime) this.minTime = timestamp
  }
}

/**
 * Hands both join processors of a task the same tracker. Keyed by the task's context — one per
 * task, shared by all its processors — rather than by task id, so two app instances in one
 * process (or two test drivers) never share one.
 */
export class JoinTimeTrackers {
  readonly #byTask = new WeakMap<object, JoinTimeTracker>()

  get(context: ProcessorContext<any, any>): JoinTimeTracker {
    let tracker = this.#byTask.get(context)
    if (tracker === undefined) {
      tracker = new JoinTimeTracker()
      this.#byTask.set(context, tracker)
    }
    return tracker
  }
}
