import { timeWindowStartsFor } from '../../processors/kstream-window-aggregate.ts'

/** Rejects durations that are not whole, non-negative milliseconds. */
export function requireMs(what: string, ms: number, minimum = 0): number {
  if (!Number.isSafeInteger(ms) || ms < minimum) {
    throw new RangeError(`${what} must be an integer number of milliseconds >= ${minimum}, got ${ms}`)
  }
  return ms
}

/**
 * Fixed-size time windows (Kafka Streams' `TimeWindows`): tumbling when they advance by their
 * size (the default), hopping when they advance by less, so they overlap. Windows are
 * `[start, start + size)`, aligned to the epoch: starts are multiples of the advance. A window
 * accepts out-of-order records until stream time passes its end plus the grace period.
 *
 * ```ts
 * TimeWindows.ofSizeWithNoGrace(60_000)                    // tumbling minutes
 * TimeWindows.ofSizeAndGrace(300_000, 10_000).advanceBy(60_000) // 5-minute windows every minute
 * ```
 */
export class TimeWindows {
  readonly sizeMs: number
  readonly advanceMs: number
  readonly graceMs: number

  private constructor(sizeMs: number, advanceMs: number, graceMs: number) {
    this.sizeMs = sizeMs
    this.advanceMs = advanceMs
    this.graceMs = graceMs
  }

  /** Tumbling windows of `sizeMs` that close as soon as stream time reaches their end. */
  static ofSizeWithNoGrace(sizeMs: number): TimeWindows {
    return TimeWindows.ofSizeAndGrace(sizeMs, 0)
  }

  /** Tumbling windows of `sizeMs` that take records up to `graceMs` after their end. */
  static ofSizeAndGrace(sizeMs: number, graceMs: number): TimeWindows {
    requireMs('Window size', sizeMs, 1)
    requireMs('Grace period', graceMs)
    return new TimeWindows(sizeMs, sizeMs, graceMs)
  }

  /** Hopping windows: a new window starts every `advanceMs` (`0 < advanceMs <= sizeMs`). */
  advanceBy(advanceMs: number): TimeWindows {
    requireMs('Window advance', advanceMs, 1)
    if (advanceMs > this.sizeMs) {
      throw new RangeError(`Window advance (${advanceMs} ms) must not exceed the window size (${this.sizeMs} ms)`)
    }
    return new TimeWindows(this.sizeMs, advanceMs, this.graceMs)
  }

  /** Starts and ends of the windows containing `timestamp` (Kafka's `windowsFor`), oldest first. */
  windowsFor(timestamp: number): Array<{ start: number; end: number }> {
    return timeWindowStartsFor(timestamp, this).map((start) => ({ start, end: start + this.sizeMs }))
  }
}
