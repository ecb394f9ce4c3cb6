/**
 * A Bloom filter over the keys a store has ever written (Kafka has no equivalent: RocksDB's own
 * filters sit behind the JNI call). A RocksDB store that opened empty adds every key it writes or
 * restores; a point read of a key the filter has never seen is then known absent without the
 * native call (microseconds each), which is most reads of an aggregation over ever-new keys.
 * False positives only cost the native read; deleted keys stay in (the same).
 *
 * Blocked layout: each key's bits fall in one 512-bit block (one cache line), so a lookup costs
 * one memory access, not one per hash. Generations grow fourfold as keys accumulate; a lookup
 * checks each, keeping the false-positive rate near 1% per generation.
 */
const BITS_PER_KEY = 10
const PROBES = 6
const BLOCK_WORDS = 16
const FIRST_CAPACITY = 1 << 16

class Generation {
  readonly capacity: number
  readonly #words: Int32Array
  readonly #blockMask: number
  count = 0

  constructor(capacity: number) {
    this.capacity = capacity
    // A power-of-two number of blocks, so the block index is a mask.
    let blocks = 1
    while (blocks * BLOCK_WORDS * 32 < capacity * BITS_PER_KEY) blocks *= 2
    this.#words = new Int32Array(blocks * BLOCK_WORDS)
    this.#blockMask = blocks - 1
  }

  add(h1: number, h2: number): void {
    const base = (h1 & this.#blockMask) * BLOCK_WORDS
    const words = this.#words
    // Double hashing within the block, from h2 only: h1's low bits already chose the block.
    const step = (h2 >>> 16) | 1
    for (let i = 0; i < PROBES; i++) {
      const bit = (h2 + Math.imul(i, step)) & 511
      words[base + (bit >>> 5)]! |= 1 << (bit & 31)
    }
    this.count++
  }

  mightContain(h1: number, h2: number): boolean {
    const base = (h1 & this.#blockMask) * BLOCK_WORDS
    const words = this.#words
    const step = (h2 >>> 16) | 1
    for (let i = 0; i < PROBES; i++) {
      const bit = (h2 + Math.imul(i, step)) & 511
      if ((words[base + (bit >>> 5)]! & (1 << (bit & 31))) === 0) return false
    }
    return true
  }
}

export class KeyFilter {
  #generations: Generation[] = [new Generation(FIRST_CAPACITY)]
  #h1 = 0
  #h2 = 0

  /** Adds a key; one already (possibly) present is not counted again, so rewriting hot keys never grows the filter. */
  add(key: Uint8Array): void {
    if (this.mightContain(key)) return
    let current = this.#generations[this.#generations.length - 1]!
    if (current.count >= current.capacity) {
      current = new Generation(current.capacity * 4)
      this.#generations.push(current)
    }
    current.add(this.#h1, this.#h2)
  }

  mightContain(key: Uint8Array): boolean {
    this.#hash(key)
    const generations = this.#generations
    for (let i = 0; i < generations.length; i++) if (generations[i]!.mightContain(this.#h1, this.#h2)) return true
    return false
  }

  /** Two independent 32-bit hashes of the bytes (FNV-1a and a multiplicative mix), kept in fields to avoid an allocation. */
  #hash(key: Uint8Array): void {
    let h1 = 0x811c9dc5
    let h2 = 0x9747b28c
    for (let i = 0; i < key.length; i++) {
      const byte = key[i]!
      h1 = Math.imul(h1 ^ byte, 0x01000193)
      h2 = Math.imul(h2 ^ byte, 0x5bd1e995)
      h2 ^= h2 >>> 15
    }
    // Final avalanche, so short keys differing in one byte spread over all blocks and bits.
    h1 ^= h1 >>> 16
    h1 = Math.imul(h1, 0x85ebca6b)
    h1 ^= h1 >>> 13
    h2 ^= h2 >>> 16
    h2 = Math.imul(h2, 0xc2b2ae35)
    h2 ^= h2 >>> 16
    this.#h1 = h1 >>> 0
    this.#h2 = h2 >>> 0
  }
}
