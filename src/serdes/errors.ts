import { SerializationError } from './serde.ts'

// Error builders shared by the primitive serdes. Messages keep Kafka's Java wording where it
// exists ("Size of data received by LongDeserializer is not 8") so they are searchable, and add
// the topic and the actual length, which Java leaves out.

export function sizeError(serde: string, expected: number, topic: string, data: Buffer): SerializationError {
  return new SerializationError(
    `Size of data received by ${serde}Deserializer is not ${expected} ` +
      `(topic "${topic}", received ${data.length} bytes)`,
  )
}

export function invalidValue(serde: string, topic: string, value: unknown, why: string): SerializationError {
  return new SerializationError(
    `${serde}Serializer cannot serialize ${show(value)} for topic "${topic}": ${why}`,
  )
}

/** A short, never-throwing rendering of a value for error messages. */
export function show(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value)
    case 'bigint':
      return `${value}n`
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value)
    case 'symbol':
      return value.toString()
    case 'function':
      return 'a function'
    default:
      if (value === null) return 'null'
      return Array.isArray(value) ? 'an array' : `an object (${Object.prototype.toString.call(value)})`
  }
}
