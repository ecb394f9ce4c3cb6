/**
 * The Java consumer's `max.poll.interval.ms` for a consumer whose fetching runs on its own:
 * calls `expired` once `poll()` has not been running, nor called, for `maxMs`. Time spent inside
 * `poll()` (including rebalance listeners) does not count.
 */
export class PollInterval {
  readonly #maxMs: number
  readonly #expired: (idleMs: number) => void
  #polling = 0
  #last = Date.now()
  #timer: NodeJS.Timeout | undefined

  constructor(maxMs: number, expired: (idleMs: number) => void) {
    this.#maxMs = maxMs
    this.#expired = expired
  }

  start(): void {
    this.#last = Date.now()
    const every = Math.max(50, Math.min(1000, this.#maxMs / 4))
    this.#timer ??= setInterval(() => this.#check(), every).unref()
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  enter(): void {
    this.#polling++
  }

  exit(): void {
    this.#polling--
    this.#last = Date.now()
  }

  #check(): void {
    if (this.#polling > 0) return
    const idle = Date.now() - this.#last
    if (idle > this.#maxMs) {
      // Counted again from here, so `expired` runs once per idle interval.
      this.#last = Date.now()
      this.#expired(idle)
    }
  }
}
