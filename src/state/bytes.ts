/**
 * Byte-key helpers shared by the bytes-level stores.
 *
 * A key is mirrored as a latin1 string: latin1 maps each byte to one UTF-16 code unit (0–255),
 * so JavaScript's string order (`<`, `Array#sort()`) is exactly unsigned lexicographic byte
 * order, i.e. `Buffer.compare` / RocksDB's default comparator. That lets a `Map` serve point
 * lookups and a plain sorted string array serve ranges.
 */

export function keyString(key: Buffer): string {
  return key.toString('latin1')
}

export function keyBuffer(key: string): Buffer {
  return Buffer.from(key, 'latin1')
}

/** The smallest key greater than every key starting with `prefix`, or undefined if none exists (all 0xff). */
export function prefixUpperBound(prefix: Buffer): Buffer | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const byte = prefix[i]!
    if (byte !== 0xff) {
      const bound = Buffer.allocUnsafe(i + 1)
      prefix.copy(bound, 0, 0, i)
      bound[i] = byte + 1
      return bound
    }
  }
  return undefined
}

/** First index in sorted `keys` whose key is `>= target`. */
export function lowerBound(keys: readonly string[], target: string): number {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (keys[mid]! < target) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** First index in sorted `keys` whose key is `> target`. */
export function upperBound(keys: readonly string[], target: string): number {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (keys[mid]! <= target) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Passes bytes through; used where a bytes store is asked for a prefix that is already serialized. */
export const BYTES_SERIALIZER = {
  serialize(_topic: string, value: Buffer): Buffer {
    return value
  },
} as const

/** Kafka Streams answers an inverted range (from > to) with an empty iterator, not an error. */
export function isInvertedRange(from: Buffer | undefined, to: Buffer | undefined): boolean {
  return from !== undefined && to !== undefined && Buffer.compare(from, to) > 0
}
