import type { Serde } from './serde.ts'
import { SerializationError } from './serde.ts'
import { invalidValue, sizeError } from './errors.ts'
import { IN_PLACE, type InPlaceCodec } from './in-place.ts'

// Kafka's LongSerializer: 8-byte big-endian two's-complement int64.

const TWO_32 = 0x1_0000_0000

const longInPlace: InPlaceCodec<number> = Object.freeze({
  size: 8,
  write(topic: string, value: number, target: Buffer, offset: number): void {
    if (!Number.isSafeInteger(value)) {
      throw invalidValue('Long', topic, value, 'not an integer within ±(2^53 - 1); use Serdes.bigint() for full int64')
    }
    // Split into two 32-bit halves instead of going through BigInt: no allocation. Math.floor
    // keeps the high half correct for negatives (-1 → ff×8).
    const high = Math.floor(value / TWO_32)
    target.writeInt32BE(high, offset)
    target.writeUInt32BE(value - high * TWO_32, offset + 4)
  },
  read(topic: string, source: Buffer, offset: number): number {
    const value = source.readInt32BE(offset) * TWO_32 + source.readUInt32BE(offset + 4)
    // Any int64 outside the safe range rounds to a double of magnitude ≥ 2^53, so this check
    // cannot be fooled by the rounding itself.
    if (!Number.isSafeInteger(value)) {
      throw new SerializationError(
        `LongDeserializer: value 0x${source.toString('hex', offset, offset + 8)} on topic "${topic}" does not fit in a ` +
          `JS number without losing precision (beyond ±(2^53 - 1)); use Serdes.bigint()`,
      )
    }
    return value
  },
})

/**
 * int64 as a JS `number`. Counts and ids are longs in Kafka Streams, and almost all of them fit
 * in 53 bits, so `number` is the ergonomic default; a value that does not fit is refused on both
 * sides rather than silently rounded. Use `Serdes.bigint()` for the full int64 range.
 */
const longSerde: Serde<number> = Object.freeze({
  name: 'Long',
  serialize(topic: string, value: number): Buffer {
    const buf = Buffer.allocUnsafe(8)
    longInPlace.write(topic, value, buf, 0)
    return buf
  },
  deserialize(topic: string, data: Buffer): number {
    if (data.length !== 8) throw sizeError('Long', 8, topic, data)
    return longInPlace.read(topic, data, 0)
  },
  [IN_PLACE]: longInPlace,
})

const MIN_INT64 = -(2n ** 63n)
const MAX_INT64 = 2n ** 63n - 1n

/** int64 as a `bigint`: the same bytes as `Serdes.long()`, the full range. */
const bigintSerde: Serde<bigint> = Object.freeze({
  name: 'BigInt',
  serialize(topic: string, value: bigint): Buffer {
    if (typeof value !== 'bigint') throw invalidValue('BigInt', topic, value, 'not a bigint')
    if (value < MIN_INT64 || value > MAX_INT64) {
      throw invalidValue('BigInt', topic, value, 'outside the int64 range')
    }
    const buf = Buffer.allocUnsafe(8)
    buf.writeBigInt64BE(value, 0)
    return buf
  },
  deserialize(topic: string, data: Buffer): bigint {
    if (data.length !== 8) throw sizeError('BigInt', 8, topic, data)
    return data.readBigInt64BE(0)
  },
})

export function long(): Serde<number> {
  return longSerde
}

export function bigint(): Serde<bigint> {
  return bigintSerde
}
