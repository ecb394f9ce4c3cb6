import type { ClientHeaders, ConsumerRecord } from '../port.ts'

const NO_HEADERS: ClientHeaders = Object.freeze({})

/** Producer id of records written outside a transaction. */
export const NON_TRANSACTIONAL = 0

export interface ReadResult {
  readonly records: ConsumerRecord[]
  /** The position after this read: past the last record returned, or the read bound when exhausted. */
  readonly next: number
}

/** Bytes per storage chunk; a record with more key and value bytes gets a chunk of its own. */
const CHUNK_SIZE = 1 << 20
const NULL_LENGTH = -1

/**
 * Growable column of numbers in a Float64Array: a million records are a few flat arrays the
 * garbage collector never walks, not a million objects it must copy and mark.
 */
class Column {
  data: Float64Array
  length = 0

  constructor(capacity = 1024) {
    this.data = new Float64Array(capacity)
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2)
      grown.set(this.data)
      this.data = grown
    }
    this.data[this.length++] = value
  }

  /** Keeps the entries at `indexes` (ascending), in order. */
  keep(indexes: ReadonlyArray<number>): void {
    const next = new Float64Array(Math.max(1024, indexes.length))
    for (let j = 0; j < indexes.length; j++) next[j] = this.data[indexes[j]!]!
    this.data = next
    this.length = indexes.length
  }
}

/**
 * One partition's append-only log, as the broker keeps it. Records are stored column-wise —
 * offsets, timestamps and producer ids in flat number arrays, key and value bytes copied into
 * large chunks — so the log holds no per-record JavaScript objects: a long-running embedded
 * cluster (or a benchmark of a million records) does not make every garbage collection copy and
 * mark every record ever produced. A read builds the consumer records it returns (views onto
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
  /** Where each record's key bytes start, value bytes right after (chunk index * CHUNK_SIZE + position). */
  #at = new Column()
  /** Key and value lengths; -1 for null. */
  #keyLength = new Column()
  #valueLength = new Column()
  /** Headers of the records that have any, by record index. */
  #headers = new Map<number, ClientHeaders>()
  #chunks: Buffer[] = []
  /** Write position in the last chunk. */
  #chunkUsed = CHUNK_SIZE
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
    this.#storeBytes(key, value)
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
    const at = this.#at.data[i]!
    const keyLength = this.#keyLength.data[i]!
    return {
      topic: this.topic,
      partition: this.partition,
      offset: this.#offsets.data[i]!,
      key: this.#bytes(at, keyLength),
      value: this.#bytes(keyLength === NULL_LENGTH ? at : at + keyLength, this.#valueLength.data[i]!),
      timestamp: this.#timestamps.data[i]!,
      headers: this.#headers.size === 0 ? NO_HEADERS : (this.#headers.get(i) ?? NO_HEADERS),
    }
  }

  #key(i: number): Buffer | null {
    return this.#bytes(this.#at.data[i]!, this.#keyLength.data[i]!)
  }

  #value(i: number): Buffer | null {
    const keyLength = this.#keyLength.data[i]!
    const at = this.#at.data[i]!
    return this.#bytes(keyLength === NULL_LENGTH ? at : at + keyLength, this.#valueLength.data[i]!)
  }

  /** Copies a record's key and value bytes, one after the other, into the current chunk. */
  #storeBytes(key: Uint8Array | null, value: Uint8Array | null): void {
    const keyLength = key === null ? 0 : key.length
    const total = keyLength + (value === null ? 0 : value.length)
    if (this.#chunkUsed + total > CHUNK_SIZE || this.#chunks.length === 0) {
      this.#chunks.push(Buffer.allocUnsafeSlow(Math.max(CHUNK_SIZE, total)))
      this.#chunkUsed = 0
    }
    const index = this.#chunks.length - 1
    const chunk = this.#chunks[index]!
    const at = this.#chunkUsed
    if (key !== null) copyInto(chunk, at, key)
    if (value !== null) copyInto(chunk, at + keyLength, value)
    this.#chunkUsed = at + total
    this.#at.push(index * CHUNK_SIZE + at)
    this.#keyLength.push(key === null ? NULL_LENGTH : key.length)
    this.#valueLength.push(value === null ? NULL_LENGTH : value.length)
  }

  #bytes(at: number, length: number): Buffer | null {
    if (length === NULL_LENGTH) return null
    if (length === 0) return Buffer.alloc(0)
    const index = Math.floor(at / CHUNK_SIZE)
    const start = at - index * CHUNK_SIZE
    return this.#chunks[index]!.subarray(start, start + length)
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
      const key = this.#key(i)
      if (key === null) continue
      latest.set(key.toString('latin1'), i)
    }
    const keep = new Set<number>()
    for (const index of latest.values()) if (this.#valueLength.data[index] !== NULL_LENGTH) keep.add(index)
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
    const keys = indexes.map((i) => this.#key(i))
    const values = indexes.map((i) => this.#value(i))
    const headers = new Map<number, ClientHeaders>()
    indexes.forEach((i, j) => {
      const h = this.#headers.get(i)
      if (h !== undefined) headers.set(j, h)
    })
    // The views above keep the old chunks alive until the records are copied into new ones.
    this.#chunks = []
    this.#offsets.keep(indexes)
    this.#timestamps.keep(indexes)
    this.#pids.keep(indexes)
    this.#at = new Column()
    this.#keyLength = new Column()
    this.#valueLength = new Column()
    for (let j = 0; j < indexes.length; j++) this.#storeBytes(keys[j]!, values[j]!)
    this.#headers = headers
  }
}

/** Small keys and values (the usual case) copy faster in a loop than through a native call. */
function copyInto(target: Buffer, at: number, bytes: Uint8Array): void {
  const length = bytes.length
  if (length > 32) {
    target.set(bytes, at)
    return
  }
  for (let i = 0; i < length; i++) target[at + i] = bytes[i]!
}

function hasAny(headers: ClientHeaders): boolean {
  for (const _ in headers) return true
  return false
}
