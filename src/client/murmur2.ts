/**
 * Kafka's default partitioner hash: the Java client's `Utils.murmur2` and `Utils.toPositive`, bit
 * for bit, so a kstreams app and a Java app put the same key on the same partition (DESIGN.md,
 * decision 5). Shared by the embedded broker and the kafkajs adapter.
 */

const SEED = 0x9747b28c
const M = 0x5bd1e995

/** The 32-bit signed murmur2 hash of `data`, as `org.apache.kafka.common.utils.Utils.murmur2` returns it. */
export function murmur2(data: Uint8Array): number {
  const length = data.length
  let h = (SEED ^ length) | 0
  const length4 = length >>> 2
  for (let i = 0; i < length4; i++) {
    const i4 = i << 2
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24)
    k = Math.imul(k, M)
    k ^= k >>> 24
    k = Math.imul(k, M)
    h = Math.imul(h, M)
    h ^= k
  }
  const tail = length & ~3
  const rest = length & 3
  if (rest === 3) h ^= data[tail + 2]! << 16
  if (rest >= 2) h ^= data[tail + 1]! << 8
  if (rest >= 1) {
    h ^= data[tail]!
    h = Math.imul(h, M)
  }
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h | 0
}

/** Java's `Utils.toPositive`: clears the sign bit (not `Math.abs`, which overflows on MIN_VALUE). */
export function toPositive(n: number): number {
  return n & 0x7fffffff
}

/** The partition the Java client's default partitioner picks for a non-null key. */
export function murmur2Partition(key: Uint8Array, numPartitions: number): number {
  return toPositive(murmur2(key)) % numPartitions
}
