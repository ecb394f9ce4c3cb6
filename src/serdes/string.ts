import type { Serde } from './serde.ts'
import { invalidValue } from './errors.ts'

/**
 * Up to this length an ASCII string is copied into the buffer by a JS loop: for the short strings
 * keys usually are, that costs about half of `Buffer.from`'s call into the native encoder.
 */
const SHORT_STRING = 32

/** UTF-8 text, byte-compatible with Kafka's `StringSerializer` / `StringDeserializer`. */
const stringSerde: Serde<string> = Object.freeze({
  name: 'String',
  serialize(topic: string, value: string): Buffer {
    if (typeof value !== 'string') throw invalidValue('String', topic, value, 'not a string')
    const length = value.length
    if (length > SHORT_STRING) return Buffer.from(value, 'utf8')
    const bytes = Buffer.allocUnsafe(length)
    for (let i = 0; i < length; i++) {
      const code = value.charCodeAt(i)
      // Beyond ASCII one character is several bytes: leave it to the encoder.
      if (code >= 0x80) return Buffer.from(value, 'utf8')
      bytes[i] = code
    }
    return bytes
  },
  deserialize(_topic: string, data: Buffer): string {
    // Like Java's `new String(bytes, UTF_8)`, malformed sequences decode to U+FFFD.
    return data.toString('utf8')
  },
})

export function string(): Serde<string> {
  return stringSerde
}
