import type { Serde } from './serde.ts'
import { invalidValue } from './errors.ts'

/** Raw bytes, passed through untouched (Kafka's `ByteArraySerializer`). */
const bytesSerde: Serde<Buffer> = Object.freeze({
  name: 'Bytes',
  serialize(topic: string, value: Buffer): Buffer {
    // Uint8Array is accepted too (Buffer is one); wrapping shares memory, no copy.
    const bytes: unknown = value
    if (Buffer.isBuffer(bytes)) return bytes
    if (bytes instanceof Uint8Array) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    throw invalidValue('Bytes', topic, value, 'not a Buffer or Uint8Array')
  },
  deserialize(_topic: string, data: Buffer): Buffer {
    return data
  },
})

export function bytes(): Serde<Buffer> {
  return bytesSerde
}
