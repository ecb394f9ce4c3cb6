import { requireMs } from './time-windows.ts'

/**
 * Sliding windows (Kafka Streams' `SlidingWindows`): windows of `timeDifferenceMs` that slide
 * with the records rather than the clock, `[start, start + timeDifference]` with both ends
 * inclusive. Only windows that contain records exist, and each distinct set of records within
 * the time difference of each other is aggregated once — "the sum of the last 5 minutes" at
 * every record, without the duplicates of hopping windows.
 */
export class SlidingWindows {
  readonly timeDifferenceMs: number
  readonly graceMs: number

  private constructor(timeDifferenceMs: number, graceMs: number) {
    this.timeDifferenceMs = timeDifferenceMs
    this.graceMs = graceMs
  }

  static ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): SlidingWindows {
    return SlidingWindows.ofTimeDifferenceAndGrace(timeDifferenceMs, 0)
  }

  static ofTimeDifferenceAndGrace(timeDifferenceMs: number, graceMs: number): SlidingWindows {
    return new SlidingWindows(requireMs('Time difference', timeDifferenceMs), requireMs('Grace period', graceMs))
  }
}
