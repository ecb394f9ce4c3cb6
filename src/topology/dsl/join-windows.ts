function requireMs(what: string, ms: number): number {
  if (!Number.isSafeInteger(ms)) throw new RangeError(`${what} must be an integer number of milliseconds, got ${ms}`)
  return ms
}

/**
 * The time window of a stream-stream join (Kafka Streams' `JoinWindows`): a left record at `t`
 * joins right records with the same key from `t - before` to `t + after`. Out-of-order records
 * join until stream time passes a window's end plus the grace period; after that, a left or
 * outer join emits the records that found no partner, joined with null.
 *
 * ```ts
 * JoinWindows.ofTimeDifferenceWithNoGrace(5_000)            // within 5 s either way
 * JoinWindows.ofTimeDifferenceAndGrace(5_000, 1_000).before(0) // right records up to 5 s after
 * ```
 */
export class JoinWindows {
  readonly beforeMs: number
  readonly afterMs: number
  readonly graceMs: number

  private constructor(beforeMs: number, afterMs: number, graceMs: number) {
    if (beforeMs + afterMs < 0) throw new RangeError(`Join window before (${beforeMs} ms) + after (${afterMs} ms) must not be negative`)
    this.beforeMs = beforeMs
    this.afterMs = afterMs
    this.graceMs = graceMs
  }

  /** Records up to `timeDifferenceMs` apart join; no record is accepted after its window ends. */
  static ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): JoinWindows {
    return JoinWindows.ofTimeDifferenceAndGrace(timeDifferenceMs, 0)
  }

  /** Records up to `timeDifferenceMs` apart join; late records are accepted for `graceMs` after a window ends. */
  static ofTimeDifferenceAndGrace(timeDifferenceMs: number, graceMs: number): JoinWindows {
    requireMs('Join time difference', timeDifferenceMs)
    if (timeDifferenceMs < 0) throw new RangeError(`Join time difference must not be negative, got ${timeDifferenceMs}`)
    requireMs('Grace period', graceMs)
    if (graceMs < 0) throw new RangeError(`Grace period must not be negative, got ${graceMs}`)
    return new JoinWindows(timeDifferenceMs, timeDifferenceMs, graceMs)
  }

  /** How much earlier a right record may be than the left one (may be negative if `after` covers it). */
  before(timeDifferenceMs: number): JoinWindows {
    return new JoinWindows(requireMs('Join window before', timeDifferenceMs), this.afterMs, this.graceMs)
  }

  /** How much later a right record may be than the left one. */
  after(timeDifferenceMs: number): JoinWindows {
    return new JoinWindows(this.beforeMs, requireMs('Join window after', timeDifferenceMs), this.graceMs)
  }

  /** `before + after`: the span of a window, and of the join's window stores. */
  size(): number {
    return this.beforeMs + this.afterMs
  }
}
