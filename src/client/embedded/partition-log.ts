import type { ClientHeaders, ConsumerRecord } from '../port.ts'
import { Column, RecordBytes } from './log-columns.ts'

const NO_HEADERS: ClientHeaders = Object.freeze({})

/** Producer id of records written outside a transaction. */
export const NON_TRANSACTIONAL = 0

export interface ReadResult {
  readonly records: ConsumerRecord[]
  /** The position after this read: past the last record returned, or the read bound when exhausted. */
  readonly next: number
}

/**
 * One partition's append-only log, as the broker keeps it. Records are stored column-wise —
 * offsets, timestamps and producer ids in flat number arrays, key and value bytes copied into
 * large chunks (log-columns.ts) — so the log holds no per-record JavaScript objects: a
 * long-running embedded cluster (or a benchmark of a million records) does not make every
 * garbage collection copy and mark every record ever produced. A read builds the consumer records it returns (views onto
 * the chunks; consumers must not mutate them). Plus what read_committed needs: open transactions
 * (which hold back the last stable offset) and aborted ranges (skipped by read_committed readers).
 *
 * Transaction markers take an offset but store no record, as Kafka's control batches do, so
 * offsets have gaps and lookups are by binary search.
 */
export class PartitionLog {
  readonly topic: string
  readonly partition: number
  #offsets = new Column()
  #timestamps = new Column()
  /** Producer id per record. */
  #pids = new Column()
  readonly #bytes = new RecordBytes()
  /** Headers of the records that have any, by record index. */
  #headers = new Map<number, ClientHeaders>()
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
    return this.#offsets.length
  }

  append(key: Buffer | null, value: Buffer | null, timestamp: number, headers: ClientHeaders | undefined, pid: number): number {
    const offset = this.#nextOffset++
    const index = this.#offsets.length
    this.#offsets.push(offset)
    this.#timestamps.push(timestamp)
    this.#pids.push(pid)
    this.#bytes.store(key, value)
    if (headers !== undefined && headers !== NO_HEADERS && hasAny(headers)) this.#headers.set(index, headers)
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
    const offsets = this.#offsets.data
    let lo = 0
    let hi = this.#offsets.length
    // Fast path: no gaps below target (no compaction, no markers yet).
    if (target < hi && offsets[target] === target) return target
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (offsets[mid]! < target) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /**
   * Up to `max` records with `from <= offset < bound`; read_committed skips aborted records
   * (the caller passes the last stable offset as the bound).
   */
  read(from: number, max: number, bound: number, skipAborted: boolean): ReadResult {
    const offsets = this.#offsets.data
    const limit = this.#offsets.length
    const start = this.indexOf(from)
    const out: ConsumerRecord[] = []
    const checkAborted = skipAborted && this.#abortedWithin(from, bound)
    let i = start
    for (; i < limit && out.length < max; i++) {
      const offset = offsets[i]!
      if (offset >= bound) break
      if (checkAborted && this.#isAborted(offset, this.#pids.data[i]!)) continue
      out.push(this.#record(i))
    }
    const exhausted = i >= limit || offsets[i]! >= bound
    return { records: out, next: exhausted ? Math.max(from, bound) : offsets[i - 1]! + 1 }
  }

  #record(i: number): ConsumerRecord {
    return {
      topic: this.topic,
      partition: this.partition,
      offset: this.#offsets.data[i]!,
      key: this.#bytes.key(i),
      value: this.#bytes.value(i),
      timestamp: this.#timestamps.data[i]!,
      headers: this.#headers.size === 0 ? NO_HEADERS : (this.#headers.get(i) ?? NO_HEADERS),
    }
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
    const offsets = this.#offsets.data
    const limit = this.#offsets.length
    const latest = new Map<string, number>()
    let i = 0
    for (; i < limit && offsets[i]! < stable; i++) {
      if (this.#isAborted(offsets[i]!, this.#pids.data[i]!)) continue
      const key = this.#bytes.key(i)
      if (key === null) continue
      latest.set(key.toString('latin1'), i)
    }
    const keep = new Set<number>()
    for (const index of latest.values()) if (!this.#bytes.isTombstone(index)) keep.add(index)
    const kept: number[] = []
    for (let j = 0; j < limit; j++) if (j >= i || keep.has(j)) kept.push(j)
    this.#keep(kept)
    this.#abortedRanges = this.#abortedRanges.filter((range) => range.last >= stable)
  }

  /** Drops everything below `offset` (retention / deleteRecords). */
  truncateBefore(offset: number): void {
    const index = this.indexOf(offset)
    const kept: number[] = []
    for (let j = index; j < this.#offsets.length; j++) kept.push(j)
    this.#keep(kept)
    this.#logStartOffset = Math.max(this.#logStartOffset, Math.min(offset, this.#nextOffset))
  }

  /** Rewrites the log with the records at `indexes` (ascending); their bytes move to fresh chunks. */
  #keep(indexes: ReadonlyArray<number>): void {
    const headers = new Map<number, ClientHeaders>()
    indexes.forEach((i, j) => {
      const h = this.#headers.get(i)
      if (h !== undefined) headers.set(j, h)
    })
    this.#offsets.keep(indexes)
    this.#timestamps.keep(indexes)
    this.#pids.keep(indexes)
    this.#bytes.keep(indexes)
    this.#headers = headers
  }
}

function hasAny(headers: ClientHeaders): boolean {
  for (const _ in headers) return true
  return false
}
