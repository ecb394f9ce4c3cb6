import type { ConsumerRecord } from '../port.ts'
import { partitionKey } from '../port.ts'

/** How a buffered batch left the buffer: all of it was handed to the poller, or it was let go part-way. */
export type BatchOutcome = 'drained' | 'released'

/**
 * One partition's batch from a kafkajs fetch, waiting for `poll()` to hand it out. kafkajs's
 * `eachBatch` callback awaits `settled`, so kafkajs fetches again only after the poller took
 * the records (backpressure), and the callback resolves offsets up to `taken` only.
 */
export class BufferedBatch {
  readonly key: string
  readonly records: ReadonlyArray<ConsumerRecord>
  /** How many records, from the front, have been handed to the poller. */
  taken = 0
  readonly settled: Promise<BatchOutcome>
  #settle!: (outcome: BatchOutcome) => void
  #done = false

  constructor(topic: string, partition: number, records: ReadonlyArray<ConsumerRecord>) {
    this.key = partitionKey(topic, partition)
    this.records = records
    this.settled = new Promise((resolve) => {
      this.#settle = resolve
    })
  }

  get done(): boolean {
    return this.#done
  }

  /** The last record handed out, if any: the offset the callback may resolve. */
  lastTaken(): ConsumerRecord | undefined {
    return this.taken > 0 ? this.records[this.taken - 1] : undefined
  }

  settle(outcome: BatchOutcome): void {
    if (this.#done) return
    this.#done = true
    this.#settle(outcome)
  }
}

/** Fetched batches in arrival order; `take` hands records out up to a maximum, oldest batch first. */
export class FetchBuffer {
  #batches: BufferedBatch[] = []
  readonly #waiters = new Set<() => void>()

  get size(): number {
    return this.#batches.length
  }

  add(batch: BufferedBatch): void {
    this.#batches.push(batch)
    this.wake()
  }

  /** Up to `max` records from batches of partitions `skip` does not reject. */
  take(max: number, skip: (key: string) => boolean): ConsumerRecord[] {
    const out: ConsumerRecord[] = []
    let emptied = false
    for (const batch of this.#batches) {
      if (out.length >= max) break
      if (batch.done || skip(batch.key)) continue
      const end = Math.min(batch.records.length, batch.taken + max - out.length)
      for (let i = batch.taken; i < end; i++) out.push(batch.records[i]!)
      batch.taken = end
      if (end === batch.records.length) {
        batch.settle('drained')
        emptied = true
      }
    }
    if (emptied) this.#batches = this.#batches.filter((b) => !b.done)
    return out
  }

  /** Lets go of the batches `predicate` selects (all when omitted); their callbacks return. */
  release(predicate?: (batch: BufferedBatch) => boolean): void {
    const kept: BufferedBatch[] = []
    for (const batch of this.#batches) {
      if (predicate === undefined || predicate(batch)) batch.settle('released')
      else kept.push(batch)
    }
    this.#batches = kept
  }

  /** Resolves when something is added or `wake()` is called, or after `ms`. */
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

  wake(): void {
    if (this.#waiters.size === 0) return
    const waiters = [...this.#waiters]
    this.#waiters.clear()
    for (const wake of waiters) wake()
  }
}
