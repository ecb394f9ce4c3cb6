import type { Serde } from './serde.ts'
import { SerializationError } from './serde.ts'
import { invalidValue, sizeError } from './errors.ts'

// One byte, 0x01 or 0x00: Kafka's BooleanSerializer. Preallocated, since they never change;
// callers must not mutate the returned buffer (no serde caller does: buffers go to the producer).
const TRUE = Buffer.from([1])
const FALSE = Buffer.from([0])

const booleanSerde: Serde<boolean> = Object.freeze({
  name: 'Boolean',
  serialize(topic: string, value: boolean): Buffer {
    if (value === true) return TRUE
    if (value === false) return FALSE
    throw invalidValue('Boolean', topic, value, 'not a boolean')
  },
  deserialize(topic: string, data: Buffer): boolean {
    if (data.length !== 1) throw sizeError('Boolean', 1, topic, data)
    const b = data[0]
    if (b === 1) return true
    if (b === 0) return false
    // Java's wording: "Unexpected byte received by BooleanDeserializer: 2".
    throw new SerializationError(`Unexpected byte received by BooleanDeserializer: ${b} (topic "${topic}")`)
  },
})

export function boolean(): Serde<boolean> {
  return booleanSerde
}
