import type { Serde } from './serde.ts'
import { invalidValue, sizeError } from './errors.ts'
import { IN_PLACE, type InPlaceCodec } from './in-place.ts'

const integerInPlace: InPlaceCodec<number> = Object.freeze({
  size: 4,
  write(topic: string, value: number, target: Buffer, offset: number): void {
    // `value | 0` equals value only for integers within int32 (and not -0's sign, which is moot).
    if (typeof value !== 'number' || (value | 0) !== value) {
      throw invalidValue('Integer', topic, value, 'not an integer within int32 [-2^31, 2^31 - 1]')
    }
    target.writeInt32BE(value, offset)
  },
  read(_topic: string, source: Buffer, offset: number): number {
    return source.readInt32BE(offset)
  },
})

/** int32, 4 bytes big-endian: Kafka's `IntegerSerializer`. */
const integerSerde: Serde<number> = Object.freeze({
  name: 'Integer',
  serialize(topic: string, value: number): Buffer {
    const buf = Buffer.allocUnsafe(4)
    integerInPlace.write(topic, value, buf, 0)
    return buf
  },
  deserialize(topic: string, data: Buffer): number {
    if (data.length !== 4) throw sizeError('Integer', 4, topic, data)
    return data.readInt32BE(0)
  },
  [IN_PLACE]: integerInPlace,
})

export function integer(): Serde<number> {
  return integerSerde
}
