import type { Serde } from './serde.ts'
import { invalidValue, sizeError } from './errors.ts'
import { IN_PLACE, type InPlaceCodec } from './in-place.ts'

const doubleInPlace: InPlaceCodec<number> = Object.freeze({
  size: 8,
  write(topic: string, value: number, target: Buffer, offset: number): void {
    if (typeof value !== 'number') throw invalidValue('Double', topic, value, 'not a number')
    target.writeDoubleBE(value, offset)
  },
  read(_topic: string, source: Buffer, offset: number): number {
    return source.readDoubleBE(offset)
  },
})

/** IEEE 754 binary64, 8 bytes big-endian: Kafka's `DoubleSerializer`. NaN and ±Infinity pass. */
const doubleSerde: Serde<number> = Object.freeze({
  name: 'Double',
  serialize(topic: string, value: number): Buffer {
    const buf = Buffer.allocUnsafe(8)
    doubleInPlace.write(topic, value, buf, 0)
    return buf
  },
  deserialize(topic: string, data: Buffer): number {
    if (data.length !== 8) throw sizeError('Double', 8, topic, data)
    return data.readDoubleBE(0)
  },
  [IN_PLACE]: doubleInPlace,
})

export function double(): Serde<number> {
  return doubleSerde
}
