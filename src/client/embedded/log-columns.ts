/** Bytes per storage chunk; a record with more key and value bytes gets a chunk of its own. */
const CHUNK_SIZE = 1 << 20
const NULL_LENGTH = -1

/**
 * Growable column of numbers in a Float64Array: a million records are a few flat arrays the
 * garbage collector never walks, not a million objects it must copy and mark.
 */
export class Column {
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
 * The key and value bytes of a partition log's records, by record index: copied into large
 * chunks, each record's key then value, with their positions and lengths in columns. Reads are
 * views onto the chunks (consumers must not mutate them).
 */
export class RecordBytes {
  #chunks: Buffer[] = []
  /** Write position in the last chunk. */
  #chunkUsed = CHUNK_SIZE
  /** Where each record's key bytes start, value bytes right after (chunk index * CHUNK_SIZE + position). */
  #at = new Column()
  /** Key and value lengths; -1 for null. */
  #keyLength = new Column()
  #valueLength = new Column()

  /** Copies a record's key and value bytes, one after the other, into the current chunk. */
  store(key: Uint8Array | null, value: Uint8Array | null): void {
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

  key(i: number): Buffer | null {
    return this.#bytes(this.#at.data[i]!, this.#keyLength.data[i]!)
  }

  value(i: number): Buffer | null {
    const keyLength = this.#keyLength.data[i]!
    const at = this.#at.data[i]!
    return this.#bytes(keyLength === NULL_LENGTH ? at : at + keyLength, this.#valueLength.data[i]!)
  }

  /** The record's value is null (a tombstone). */
  isTombstone(i: number): boolean {
    return this.#valueLength.data[i] === NULL_LENGTH
  }

  /** Keeps the records at `indexes` (ascending); their bytes move to fresh chunks. */
  keep(indexes: ReadonlyArray<number>): void {
    const keys = indexes.map((i) => this.key(i))
    const values = indexes.map((i) => this.value(i))
    // The views above keep the old chunks alive until the records are copied into new ones.
    this.#chunks = []
    this.#at = new Column()
    this.#keyLength = new Column()
    this.#valueLength = new Column()
    for (let j = 0; j < indexes.length; j++) this.store(keys[j]!, values[j]!)
  }

  #bytes(at: number, length: number): Buffer | null {
    if (length === NULL_LENGTH) return null
    if (length === 0) return Buffer.alloc(0)
    const index = Math.floor(at / CHUNK_SIZE)
    const start = at - index * CHUNK_SIZE
    return this.#chunks[index]!.subarray(start, start + length)
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
