import type { Serde } from './serde.ts'
import { SerializationError } from './serde.ts'
import { invalidValue, show } from './errors.ts'

// Kafka's UUIDSerializer writes `uuid.toString()` as UTF-8: the 36-character canonical text form
// in lower case, not 16 raw bytes. UUIDDeserializer parses with UUID.fromString, which accepts
// either case; we accept the canonical form in either case and hand back lower case, the way a
// Java UUID would print.
const CANONICAL = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

const uuidSerde: Serde<string> = Object.freeze({
  name: 'UUID',
  serialize(topic: string, value: string): Buffer {
    if (typeof value !== 'string' || !CANONICAL.test(value)) {
      throw invalidValue('UUID', topic, value, 'not a UUID in 8-4-4-4-12 hex form')
    }
    // Canonical UUIDs are ASCII: latin1 encoding is the same bytes as UTF-8, without the UTF-8 scan.
    return Buffer.from(value.toLowerCase(), 'latin1')
  },
  deserialize(topic: string, data: Buffer): string {
    const text = data.length === 36 ? data.toString('latin1') : ''
    if (!CANONICAL.test(text)) {
      const shown = data.length <= 64 ? show(data.toString('utf8')) : `${data.length} bytes`
      throw new SerializationError(`Error parsing data into UUID: ${shown} on topic "${topic}" is not a UUID`)
    }
    return text.toLowerCase()
  },
})

/** UUIDs as strings, byte-compatible with Kafka's `UUIDSerializer` (UTF-8 text, 36 bytes). */
export function uuid(): Serde<string> {
  return uuidSerde
}
