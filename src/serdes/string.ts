import type { Serde } from './serde.ts'
import { invalidValue } from './errors.ts'

/** UTF-8 text, byte-compatible with Kafka's `StringSerializer` / `StringDeserializer`. */
const stringSerde: Serde<string> = Object.freeze({
  name: 'String',
  serialize(topic: string, value: string): Buffer {
    if (typeof value !== 'string') throw invalidValue('String', topic, value, 'not a string')
    return Buffer.from(value, 'utf8')
  },
  deserialize(_topic: string, data: Buffer): string {
    // Like Java's `new String(bytes, UTF_8)`, malformed sequences decode to U+FFFD.
    return data.toString('utf8')
  },
})

export function string(): Serde<string> {
  return stringSerde
}
