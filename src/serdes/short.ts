import type { Serde } from './serde.ts'
import { invalidValue, sizeError } from './errors.ts'

/** int16, 2 bytes big-endian: Kafka's `ShortSerializer`. */
const shortSerde: Serde<number> = Object.freeze({
  name: 'Short',
  serialize(topic: string, value: number): Buffer {
    if (typeof value !== 'number' || ((value << 16) >> 16) !== value) {
      throw invalidValue('Short', topic, value, 'not an integer within int16 [-32768, 32767]')
    }
    const buf = Buffer.allocUnsafe(2)
    buf.writeInt16BE(value, 0)
    return buf
  },
  deserialize(topic: string, data: Buffer): number {
    if (data.length !== 2) throw sizeError('Short', 2, topic, data)
    return data.readInt16BE(0)
  },
})

export function short(): Serde<number> {
  return shortSerde
}
