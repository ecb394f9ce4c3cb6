import type { Serde } from '../serdes/serde.ts'
import { SerializationError } from '../serdes/serde.ts'

/**
 * A table update on a KTable edge (Kafka Streams' `Change<V>`): the row's new value (`null` when
 * deleted) and, when the parent sends old values, the value it replaces (`null` when the row was
 * absent or old values are not sent). Carrying both lets a downstream aggregation take the old
 * value out of its group before adding the new one.
 */
export interface Change<V> {
  readonly newValue: V | null
  readonly oldValue: V | null
}

/** Whether a table processor sends old values; set while the DSL is built, read when tasks start. */
export interface SendOldValues {
  sendOldValues: boolean
}

const HAS_NEW = 1
const HAS_OLD = 2

/**
 * Wire format of a `Change` on a repartition topic (Kafka's ChangedSerializer plays this role):
 * one flag byte, then for both values a 4-byte length of the new value's bytes, the new bytes
 * and the old bytes; for one value just its bytes.
 */
export function changeSerde<V>(inner: Serde<V>): Serde<Change<V>> {
  const serde: Serde<Change<V>> = {
    name: `Change<${inner.name}>`,
    serialize(topic: string, change: Change<V>): Buffer {
      const n = change.newValue === null ? undefined : inner.serialize(topic, change.newValue)
      const o = change.oldValue === null ? undefined : inner.serialize(topic, change.oldValue)
      if (n !== undefined && o !== undefined) {
        const out = Buffer.allocUnsafe(5 + n.length + o.length)
        out[0] = HAS_NEW | HAS_OLD
        out.writeUInt32BE(n.length, 1)
        n.copy(out, 5)
        o.copy(out, 5 + n.length)
        return out
      }
      const one = n ?? o
      const out = Buffer.allocUnsafe(1 + (one?.length ?? 0))
      out[0] = n !== undefined ? HAS_NEW : o !== undefined ? HAS_OLD : 0
      one?.copy(out, 1)
      return out
    },
    deserialize(topic: string, data: Buffer): Change<V> {
      const flags = data[0]
      if (flags === undefined || flags > 3) throw new SerializationError(`Not a Change record on topic "${topic}"`)
      if (flags === (HAS_NEW | HAS_OLD)) {
        const len = data.readUInt32BE(1)
        return {
          newValue: inner.deserialize(topic, data.subarray(5, 5 + len)),
          oldValue: inner.deserialize(topic, data.subarray(5 + len)),
        }
      }
      const value = flags === 0 ? null : inner.deserialize(topic, data.subarray(1))
      return flags === HAS_NEW ? { newValue: value, oldValue: null } : { newValue: null, oldValue: value }
    },
  }
  // Pass the inner serde's async set-up through (Avro schema look-ups), only when it has one.
  if (inner.configure) serde.configure = () => inner.configure!()
  if (inner.prepareSerialize) serde.prepareSerialize = (topic) => inner.prepareSerialize!(topic)
  if (inner.prepare) {
    serde.prepare = (topic, data) => {
      const flags = data[0]
      if (flags === (HAS_NEW | HAS_OLD)) {
        const len = data.readUInt32BE(1)
        const a = inner.prepare!(topic, data.subarray(5, 5 + len))
        const b = inner.prepare!(topic, data.subarray(5 + len))
        return a && b ? Promise.all([a, b]).then(() => undefined) : (a ?? b)
      }
      return flags === HAS_NEW || flags === HAS_OLD ? inner.prepare!(topic, data.subarray(1)) : undefined
    }
  }
  return serde
}
