import { inPlaceCodec, type InPlaceCodec } from '../serdes/in-place.ts'
import type { Serde } from '../serdes/serde.ts'
import type { ValueAndTimestamp } from './store.ts'

/**
 * Timestamped stores keep `8-byte big-endian timestamp + value bytes`, the layout of Kafka's
 * `ValueAndTimestampSerializer`, so a RocksDB directory and its changelog mean the same thing
 * to a Java application.
 */

const TWO_POW_32 = 4294967296
export const TIMESTAMP_SIZE = 8

export function valueAndTimestamp<V>(value: V, timestamp: number): ValueAndTimestamp<V> {
  return { value, timestamp }
}

/** Kafka's `ValueAndTimestamp.getValueOrNull`. */
export function getValueOrNull<V>(valueAndTimestamp: ValueAndTimestamp<V> | null | undefined): V | null {
  return valueAndTimestamp == null ? null : valueAndTimestamp.value
}

/** Writes an int64 without BigInt: timestamps are safe integers, and this runs per record. */
export function writeTimestamp(target: Buffer, timestamp: number, offset = 0): void {
  const high = Math.floor(timestamp / TWO_POW_32)
  target.writeInt32BE(high, offset)
  target.writeUInt32BE(timestamp - high * TWO_POW_32, offset + 4)
}

export function readTimestamp(source: Buffer, offset = 0): number {
  return source.readInt32BE(offset) * TWO_POW_32 + source.readUInt32BE(offset + 4)
}

/** Prepends the timestamp to raw value bytes. */
export function timestampedValue(rawValue: Buffer, timestamp: number): Buffer {
  const bytes = Buffer.allocUnsafe(TIMESTAMP_SIZE + rawValue.length)
  writeTimestamp(bytes, timestamp)
  rawValue.copy(bytes, TIMESTAMP_SIZE)
  return bytes
}

/** The value bytes after the timestamp (a view, not a copy). */
export function rawValue(timestamped: Buffer): Buffer {
  return timestamped.subarray(TIMESTAMP_SIZE)
}

/** Wraps a value serde into the timestamped layout (Kafka's `ValueAndTimestampSerde`). */
export class ValueAndTimestampSerde<V> implements Serde<ValueAndTimestamp<V>> {
  readonly name: string
  readonly valueSerde: Serde<V>
  // Defined only when the inner serde has them, so a plain serde stays plainly synchronous.
  readonly configure?: () => Promise<void>
  readonly prepareSerialize?: (topic: string) => Promise<void> | undefined
  readonly prepare?: (topic: string, data: Buffer) => Promise<void> | undefined
  /** A fixed-width value serde's in-place codec: one buffer per write, no sub-view per read. */
  readonly #inPlace: InPlaceCodec<V> | undefined

  constructor(valueSerde: Serde<V>) {
    this.valueSerde = valueSerde
    this.name = `ValueAndTimestamp<${valueSerde.name}>`
    this.#inPlace = inPlaceCodec(valueSerde)
    if (valueSerde.configure) this.configure = () => valueSerde.configure!()
    if (valueSerde.prepareSerialize) this.prepareSerialize = (topic) => valueSerde.prepareSerialize!(topic)
    if (valueSerde.prepare) {
      this.prepare = (topic, data) => (data.length < TIMESTAMP_SIZE ? undefined : valueSerde.prepare!(topic, rawValue(data)))
    }
  }

  serialize(topic: string, data: ValueAndTimestamp<V>): Buffer {
    const inPlace = this.#inPlace
    if (inPlace === undefined) return timestampedValue(this.valueSerde.serialize(topic, data.value), data.timestamp)
    const bytes = Buffer.allocUnsafe(TIMESTAMP_SIZE + inPlace.size)
    inPlace.write(topic, data.value, bytes, TIMESTAMP_SIZE)
    writeTimestamp(bytes, data.timestamp)
    return bytes
  }

  deserialize(topic: string, data: Buffer): ValueAndTimestamp<V> {
    if (data.length < TIMESTAMP_SIZE) {
      throw new RangeError(`A timestamped value needs at least ${TIMESTAMP_SIZE} bytes, got ${data.length}`)
    }
    const inPlace = this.#inPlace
    // A length the codec does not expect goes the general way, which throws the serde's own error.
    const value = inPlace !== undefined && data.length === TIMESTAMP_SIZE + inPlace.size
      ? inPlace.read(topic, data, TIMESTAMP_SIZE)
      : this.valueSerde.deserialize(topic, rawValue(data))
    return { value, timestamp: readTimestamp(data) }
  }
}
