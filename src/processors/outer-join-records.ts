import type { Serde } from '../serdes/serde.ts'
import { SerializationError } from '../serdes/serde.ts'

/**
 * What a left or outer stream-stream join keeps of records that have not joined yet (Kafka's
 * `TimestampedKeyAndJoinSide` and `LeftOrRightValue`), until their window closes and they are
 * emitted joined with null. The store is ordered by time first, so emitting walks the oldest first.
 */
export interface TimestampedKeyAndJoinSide<K> {
  readonly timestamp: number
  readonly leftSide: boolean
  readonly key: K
}

/** One side's value; the other is absent. */
export type LeftOrRightValue<VL, VR> = { readonly left: VL } | { readonly right: VR }

/** 8-byte big-endian timestamp, side byte (1 = left, as Kafka's boolean), key bytes: sorts by time. */
export function timestampedKeyAndJoinSideSerde<K>(keySerde: Serde<K>): Serde<TimestampedKeyAndJoinSide<K>> {
  return {
    name: `TimestampedKeyAndJoinSide<${keySerde.name}>`,
    serialize(topic, value) {
      const key = keySerde.serialize(topic, value.key)
      const out = Buffer.allocUnsafe(9 + key.length)
      out.writeBigInt64BE(BigInt(value.timestamp), 0)
      out[8] = value.leftSide ? 1 : 0
      key.copy(out, 9)
      return out
    },
    deserialize(topic, data) {
      if (data.length < 9) throw new SerializationError(`Not a TimestampedKeyAndJoinSide on "${topic}"`)
      return { timestamp: Number(data.readBigInt64BE(0)), leftSide: data[8] === 1, key: keySerde.deserialize(topic, data.subarray(9)) }
    },
  }
}

/**
 * The values of one (time, side, key), in arrival order (Kafka's list-value store keeps
 * duplicates the same way): per value a side byte, a 4-byte length and the bytes.
 */
export function leftOrRightValuesSerde<VL, VR>(left: Serde<VL>, right: Serde<VR>): Serde<ReadonlyArray<LeftOrRightValue<VL, VR>>> {
  return {
    name: `List<LeftOrRightValue<${left.name}, ${right.name}>>`,
    serialize(topic, values) {
      const parts: Buffer[] = []
      for (const v of values) {
        const isLeft = 'left' in v
        const bytes = isLeft ? left.serialize(topic, v.left) : right.serialize(topic, v.right)
        const head = Buffer.allocUnsafe(5)
        head[0] = isLeft ? 1 : 0
        head.writeUInt32BE(bytes.length, 1)
        parts.push(head, bytes)
      }
      return Buffer.concat(parts)
    },
    deserialize(topic, data) {
      const values: LeftOrRightValue<VL, VR>[] = []
      for (let pos = 0; pos < data.length; ) {
        if (pos + 5 > data.length) throw new SerializationError(`Truncated outer-join values on "${topic}"`)
        const length = data.readUInt32BE(pos + 1)
        const bytes = data.subarray(pos + 5, pos + 5 + length)
        values.push(data[pos] === 1 ? { left: left.deserialize(topic, bytes) } : { right: right.deserialize(topic, bytes) })
        pos += 5 + length
      }
      return values
    },
  }
}
