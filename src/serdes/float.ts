import type { Serde } from './serde.ts'
import { invalidValue, sizeError } from './errors.ts'

/**
 * IEEE 754 binary32, 4 bytes big-endian: Kafka's `FloatSerializer`. The number is rounded to
 * single precision, as a Java `(float)` cast would; what comes back is that rounded value.
 */
const floatSerde: Serde<number> = Object.freeze({
  name: 'Float',
  serialize(topic: string, value: number): Buffer {
    if (typeof value !== 'number') throw invalidValue('Float', topic, value, 'not a number')
    const buf = Buffer.allocUnsafe(4)
    buf.writeFloatBE(value, 0)
    return buf
  },
  deserialize(topic: string, data: Buffer): number {
    if (data.length !== 4) throw sizeError('Float', 4, topic, data)
    return data.readFloatBE(0)
  },
})

export function float(): Serde<number> {
  return floatSerde
}
