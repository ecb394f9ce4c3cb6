/**
 * A histogram kept as plain numbers (bucket counts, sum, count), so observing costs a short loop
 * and no allocation, no label hashing: the metrics layer publishes it at scrape time. prom-client's
 * own `Histogram.observe` hashes its labels on every call, too much for once per output record.
 */
export class BucketHistogram {
  readonly bounds: ReadonlyArray<number>
  /** Per-bucket (not cumulative) counts; the last slot is +Inf. */
  readonly counts: Float64Array
  sum = 0
  count = 0

  constructor(bounds: ReadonlyArray<number>) {
    this.bounds = bounds
    this.counts = new Float64Array(bounds.length + 1)
  }

  observe(value: number): void {
    const bounds = this.bounds
    let i = 0
    while (i < bounds.length && value > bounds[i]!) i++
    this.counts[i]!++
    this.sum += value
    this.count++
  }

  /** Adds another histogram with the same bounds (a closed task's, kept after it is gone). */
  add(other: BucketHistogram): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += other.counts[i]!
    this.sum += other.sum
    this.count += other.count
  }
}

/** End-to-end latency: from 1 ms (a record produced just now) to 5 minutes (a replay, a backlog). */
export const LATENCY_BUCKETS_SECONDS: ReadonlyArray<number> = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

/** Durations of a poll, a processing pass, a commit or a punctuation: 100 µs to 30 s. */
export const DURATION_BUCKETS_SECONDS: ReadonlyArray<number> = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
