/**
 * Wakes waiting polls when something they might care about happens (records appended, a
 * transaction committed, a rebalance started or finished). One broadcast for the whole broker:
 * waiters re-check their own state, which is cheaper than tracking interest per partition, and
 * `notify` is called once per produce batch, not per record.
 */
export class Signal {
  readonly #waiters = new Set<() => void>()

  notify(): void {
    if (this.#waiters.size === 0) return
    const waiters = [...this.#waiters]
    this.#waiters.clear()
    for (const wake of waiters) wake()
  }

  /** Resolves on the next `notify()` or after `ms`, whichever comes first. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer)
        this.#waiters.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, Math.max(0, ms))
      this.#waiters.add(wake)
    })
  }
}

/** Lets timers and I/O run between polls that always find data, as a network round trip would. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
