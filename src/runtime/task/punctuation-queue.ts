import type { Cancellable, Punctuator, PunctuationType } from '../../processors/processor.ts'
import type { ProcessorNode } from './processor-node.ts'

/** One `schedule()` call: fires every `intervalMs` from `nextTime` until cancelled. */
export class PunctuationSchedule implements Cancellable {
  readonly node: ProcessorNode
  readonly type: PunctuationType
  readonly intervalMs: number
  readonly punctuator: Punctuator
  nextTime: number
  cancelled = false
  readonly seq: number

  constructor(node: ProcessorNode, type: PunctuationType, startTime: number, intervalMs: number, punctuator: Punctuator, seq: number) {
    this.node = node
    this.type = type
    this.nextTime = startTime
    this.intervalMs = intervalMs
    this.punctuator = punctuator
    this.seq = seq
  }

  cancel(): void {
    this.cancelled = true
  }

  /**
   * Kafka's `PunctuationSchedule.next`: after a gap of several intervals (idle input, a long GC)
   * fire once and skip the missed ones instead of firing in a burst.
   */
  advance(now: number): void {
    let next = this.nextTime + this.intervalMs
    if (now >= next) next = this.nextTime + (Math.floor((now - this.nextTime) / this.intervalMs) + 1) * this.intervalMs
    this.nextTime = next
  }
}

export interface PunctuationRunner {
  runPunctuator(schedule: PunctuationSchedule, timestamp: number): void
}

/**
 * Schedules of one punctuation type for one task (Kafka Streams' `PunctuationQueue`). Each due
 * schedule fires once per `mayPunctuate` call, in due-time order, with the current time (stream
 * time or wall-clock time) as its argument.
 */
export class PunctuationQueue {
  #schedules: PunctuationSchedule[] = []
  #seq = 0
  /** Earliest `nextTime`, so the per-record check is a single comparison. */
  #earliest = Infinity

  schedule(node: ProcessorNode, type: PunctuationType, startTime: number, intervalMs: number, punctuator: Punctuator): PunctuationSchedule {
    const schedule = new PunctuationSchedule(node, type, startTime, intervalMs, punctuator, this.#seq++)
    this.#schedules.push(schedule)
    if (startTime < this.#earliest) this.#earliest = startTime
    return schedule
  }

  get size(): number {
    return this.#schedules.filter((s) => !s.cancelled).length
  }

  mayPunctuate(now: number, runner: PunctuationRunner): boolean {
    if (now < this.#earliest) return false
    let punctuated = false
    for (;;) {
      let due: PunctuationSchedule | undefined
      for (const s of this.#schedules) {
        if (!s.cancelled && s.nextTime <= now && (due === undefined || s.nextTime < due.nextTime || (s.nextTime === due.nextTime && s.seq < due.seq))) {
          due = s
        }
      }
      if (due === undefined) break
      due.advance(now)
      punctuated = true
      runner.runPunctuator(due, now)
    }
    this.#schedules = this.#schedules.filter((s) => !s.cancelled)
    this.#earliest = Infinity
    for (const s of this.#schedules) if (s.nextTime < this.#earliest) this.#earliest = s.nextTime
    return punctuated
  }
}
