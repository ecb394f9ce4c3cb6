import type { Serde } from './serde.ts'
import { invalidValue, sizeError } from './errors.ts'

/** IEEE 754 binary64, 8 bytes big-endian: Kafka's `DoubleSerializer`. NaN and ±Infinity pass. */
const doubleSerde: Serde<number> = Object.freeze({
  name: 'Double',
  serialize(topic: string, value: number): Buffer {
    if (typeof value !== 'number') throw invalidValue('Double', topic, value, 'not a number')
    const buf = Buffer.allocUnsafe(8)
    buf.writeDoubleBE(value, 0)
    return buf
  },
  deserialize(topic: string, data: Buffer): number {
    if (data.length !== 8) throw sizeError('Double', 8, topic, data)
    return data.readDoubleBE(0)
  },
})

export function double(): Serde<number> {
  return doubleSerde
}
