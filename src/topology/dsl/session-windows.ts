import { requireMs } from './time-windows.ts'

/**
 * Session windows (Kafka Streams' `SessionWindows`): a key's records belong to one session while
 * each follows the previous within the inactivity gap. Sessions are `[first, last]` record
 * times, both inclusive; a record that falls between two sessions merges them. A session accepts
 * records until stream time passes its end plus the gap plus the grace period.
 */
export class SessionWindows {
  readonly inactivityGapMs: number
  readonly graceMs: number

  private constructor(inactivityGapMs: number, graceMs: number) {
    this.inactivityGapMs = inactivityGapMs
    this.graceMs = graceMs
  }

  static ofInactivityGapWithNoGrace(inactivityGapMs: number): SessionWindows {
    return SessionWindows.ofInactivityGapAndGrace(inactivityGapMs, 0)
  }

  static ofInactivityGapAndGrace(inactivityGapMs: number, graceMs: number): SessionWindows {
    return new SessionWindows(requireMs('Inactivity gap', inactivityGapMs, 1), requireMs('Grace period', graceMs))
  }
}
