import type { ClientHeaders, ConsumerRecord } from '../port.ts'

const NO_HEADERS: ClientHeaders = Object.freeze({})

/** Producer id of records written outside a transaction. */
export const NON_TRANSACTIONAL = 0

export interface ReadResult {
  readonly records: ConsumerRecord[]
  /** The position after this read: past the last record returned, or the read bound when exhausted. */
  readonly next: number
}

/**
 * One partition's append-only log, as the broker keeps it: records in offset order in a plain
 * array (the records handed to consumers are the stored objects, so a poll is a slice, not a
 * copy per record), plus what read_committed needs: open transactions (which hold back the last
 * stable offset) and aborted ranges (skipped by read_committed readers).
 *
 * Transaction markers take an offset but store no record, as Kafka's control batches do, so
 * offsets have gaps and lookups are by binary search.
 */
export class PartitionLog {
  readonly topic: string
  readonly partition: number
  #records: ConsumerRecord[] = []
  /** Producer id per record, parallel to `#records`. */
  #pids: number[] = []
  #nextOffset = 0
  #logStartOffset = 0
  /** Open transactions: producer id → first offset it wrote here. */
  readonly #openTxns = new Map<number, number>()
  /** Aborted transactions' offset ranges (inclusive) with their producer, for read_committed. */
  #abortedRanges: Array<{ readonly pid: number; readonly first: number; readonly last: number }> = []

  constructor(topic: string, partition: number) {
    this.topic = topic
    this.partition = partition
  }

  /** The high watermark: offset of the next record to be written. */
  get highWatermark(): number {
    return this.#nextOffset
  }

  get logStartOffset(): number {
    return this.#logStartOffset
  }

  /** read_committed readers see nothing at or past the first offset of an open transaction. */
  get lastStableOffset(): number {
    let lso = this.#nextOffset
    for (const first of this.#openTxns.values()) if (first < lso) lso = first
    return lso
  }

  get size(): number {
    return this.#records.length
  }

  append(key: Buffer | null, value: Buffer | null, timestamp: number, headers: ClientHeaders | undefined, pid: number): number {
    const offset = this.#nextOffset++
    this.#records.push({
      topic: this.topic,
      partition: this.partition,
      offset,
      key,
      value,
      timestamp,
      headers: headers ?? NO_HEADERS,
    })
    this.#pids.push(pid)
    if (pid !== NON_TRANSACTIONAL && !this.#openTxns.has(pid)) this.#openTxns.set(pid, offset)
    return offset
  }

  hasOpenTransaction(pid: number): boolean {
    return this.#openTxns.has(pid)
  }

  /** Ends `pid`'s transaction here with a marker; on abort, its records become invisible to read_committed. */
  endTransaction(pid: number, commit: boolean): void {
    const first = this.#openTxns.get(pid)
    if (first === undefined) return
    this.#openTxns.delete(pid)
    if (!commit) this.#abortedRanges.push({ pid, first, last: this.#nextOffset - 1 })
    this.#nextOffset++ // the marker
  }

  /** Index of the first stored record with `offset >= target`. */
  indexOf(target: number): number {
    const records = this.#records
    let lo = 0
    let hi = records.length
    // Fast path: no gaps below target (no compaction, no markers yet).
    if (target < hi && records[target]?.offset === target) return target
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (records[mid]!.offset < target) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /**
   * Up to `max` records with `from <= offset < bound`; read_committed skips aborted records
   * (the caller passes the last stable offset as the bound).
   */
  read(from: number, max: number, bound: number, skipAborted: boolean): ReadResult {
    const records = this.#records
    const start = this.indexOf(from)
    let end = start
    const limit = records.length
    if (!skipAborted || !this.#abortedWithin(from, bound)) {
      // Index arithmetic, not a scan: touching a million old records costs cache misses.
      end = Math.min(start + max, bound >= this.#nextOffset ? limit : this.indexOf(bound))
      if (end <= start) return { records: [], next: Math.max(from, bound) }
      const out = records.slice(start, end)
      return { records: out, next: end - start === max ? out[out.length - 1]!.offset + 1 : Math.max(from, bound) }
    }
    const out: ConsumerRecord[] = []
    while (end < limit && out.length < max) {
      const record = records[end]!
      if (record.offset >= bound) break
      if (!this.#isAborted(record.offset, this.#pids[end]!)) out.push(record)
      end++
    }
    const exhausted = end >= limit || records[end]!.offset >= bound
    return { records: out, next: exhausted ? Math.max(from, bound) : records[end - 1]!.offset + 1 }
  }

  #abortedWithin(from: number, to: number): boolean {
    for (const range of this.#abortedRanges) if (range.last >= from && range.first < to) return true
    return false
  }

  #isAborted(offset: number, pid: number): boolean {
    if (pid === NON_TRANSACTIONAL) return false
    for (const range of this.#abortedRanges) {
      if (range.pid === pid && offset >= range.first && offset <= range.last) return true
    }
    return false
  }

  /**
   * Log compaction of the stable part of the log: keeps the latest record per key, drops
   * tombstones and aborted records. Offsets are kept, so compacted logs have gaps.
   */
  compact(): void {
    const stable = this.lastStableOffset
    const records = this.#records
    const pids = this.#pids
    const latest = new Map<string, number>()
    let i = 0
    for (; i < records.length && records[i]!.offset < stable; i++) {
      const record = records[i]!
      if (this.#isAborted(record.offset, pids[i]!)) continue
      if (record.key === null) continue
      latest.set(record.key.toString('latin1'), i)
    }
    const keep = new Set<number>()
    for (const index of latest.values()) if (records[index]!.value !== null) keep.add(index)
    const nextRecords: ConsumerRecord[] = []
    const nextPids: number[] = []
    for (let j = 0; j < records.length; j++) {
      if (j < i && !keep.has(j)) continue
      nextRecords.push(records[j]!)
      nextPids.push(pids[j]!)
    }
    this.#records = nextRecords
    this.#pids = nextPids
    this.#abortedRanges = this.#abortedRanges.filter((range) => range.last >= stable)
  }

  /** Drops everything below `offset` (retention / deleteRecords). */
  truncateBefore(offset: number): void {
    const index = this.indexOf(offset)
    this.#records = this.#records.slice(index)
    this.#pids = this.#pids.slice(index)
    this.#logStartOffset = Math.max(this.#logStartOffset, Math.min(offset, this.#nextOffset))
  }
}
