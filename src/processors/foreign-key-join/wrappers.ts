import { hash } from 'node:crypto'
import type { Serde } from '../../serdes/serde.ts'
import { SerializationError } from '../../serdes/serde.ts'

/**
 * The records a foreign-key join sends between its two sides (KIP-213; Kafka's
 * `SubscriptionWrapper`, `SubscriptionResponseWrapper`, `CombinedKey`). A left row subscribes to
 * the right key it points at; the right side answers with its row, tagged with a hash of the left
 * value that asked, so the left side can discard answers to values it no longer holds.
 */

/** What the right side should do with a subscription (Kafka's `SubscriptionWrapper.Instruction`). */
export const Instruction = Object.freeze({
  /** Unsubscribe; the left row moved to another foreign key, whose answer settles the result. */
  DELETE_KEY_NO_PROPAGATE: 0,
  /** Unsubscribe and answer with null: the left row is gone or points nowhere now. */
  DELETE_KEY_AND_PROPAGATE: 1,
  /** Subscribe and answer, with null when the right row is absent (results to overwrite). */
  PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE: 2,
  /** Subscribe and answer only when the right row exists (an inner join's fresh row). */
  PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE: 3,
})
export type Instruction = (typeof Instruction)[keyof typeof Instruction]

export interface SubscriptionWrapper<K> {
  /** Hash of the left value that subscribed; null when the left row was deleted. */
  readonly hash: Buffer | null
  readonly instruction: Instruction
  readonly primaryKey: K
  /** The left row's partition, where the answer must go; -1 when unknown. */
  readonly primaryPartition: number
}

export interface SubscriptionResponseWrapper<VO> {
  readonly hash: Buffer | null
  readonly foreignValue: VO | null
  readonly primaryPartition: number
}

const VERSION = 0
const HASH_BYTES = 16

/** A 128-bit digest of the serialized left value (Kafka uses Murmur3 128; any stable 128-bit hash does). */
export function valueHash(bytes: Buffer): Buffer {
  return hash('md5', bytes, 'buffer')
}

export function sameHash(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b)
}

/**
 * Subscription store keys (Kafka's `CombinedKeySchema`): the foreign key's length and bytes, then
 * the primary key's bytes, so all subscriptions to one foreign key share a prefix and a prefix
 * scan finds them (the length keeps `ab` from matching `abc`).
 */
export function combinedKeyPrefix(foreignKey: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + foreignKey.length)
  out.writeUInt32BE(foreignKey.length, 0)
  foreignKey.copy(out, 4)
  return out
}

export function combinedKey(foreignKey: Buffer, primaryKey: Buffer): Buffer {
  return Buffer.concat([combinedKeyPrefix(foreignKey), primaryKey])
}

export function primaryKeyOf(combined: Buffer): Buffer {
  return combined.subarray(4 + combined.readUInt32BE(0))
}

/** version, instruction, hash flag, [16-byte hash], int32 partition, primary key bytes. */
export function subscriptionWrapperSerde<K>(primaryKeySerde: Serde<K>): Serde<SubscriptionWrapper<K>> {
  const serde: Serde<SubscriptionWrapper<K>> = {
    name: `SubscriptionWrapper<${primaryKeySerde.name}>`,
    serialize(topic, w) {
      const key = primaryKeySerde.serialize(topic, w.primaryKey)
      const hashLength = w.hash === null ? 0 : HASH_BYTES
      const out = Buffer.allocUnsafe(7 + hashLength + key.length)
      out[0] = VERSION
      out[1] = w.instruction
      out[2] = w.hash === null ? 0 : 1
      if (w.hash !== null) w.hash.copy(out, 3)
      out.writeInt32BE(w.primaryPartition, 3 + hashLength)
      key.copy(out, 7 + hashLength)
      return out
    },
    deserialize(topic, data) {
      checkVersion(topic, data, 'SubscriptionWrapper')
      const instruction = data[1] as Instruction
      if (instruction > 3) throw new SerializationError(`Unknown subscription instruction ${instruction} on "${topic}"`)
      const hashLength = data[2] === 1 ? HASH_BYTES : 0
      return {
        hash: hashLength === 0 ? null : Buffer.from(data.subarray(3, 3 + HASH_BYTES)),
        instruction,
        primaryPartition: data.readInt32BE(3 + hashLength),
        primaryKey: primaryKeySerde.deserialize(topic, data.subarray(7 + hashLength)),
      }
    },
  }
  passThroughSetUp(serde, primaryKeySerde, (data) => data.subarray(7 + (data[2] === 1 ? HASH_BYTES : 0)))
  return serde
}

/** version, hash flag, [16-byte hash], int32 partition, value flag, foreign value bytes. */
export function subscriptionResponseWrapperSerde<VO>(foreignValueSerde: Serde<VO>): Serde<SubscriptionResponseWrapper<VO>> {
  const serde: Serde<SubscriptionResponseWrapper<VO>> = {
    name: `SubscriptionResponseWrapper<${foreignValueSerde.name}>`,
    serialize(topic, w) {
      const value = w.foreignValue === null ? undefined : foreignValueSerde.serialize(topic, w.foreignValue)
      const hashLength = w.hash === null ? 0 : HASH_BYTES
      const out = Buffer.allocUnsafe(7 + hashLength + (value?.length ?? 0))
      out[0] = VERSION
      out[1] = w.hash === null ? 0 : 1
      if (w.hash !== null) w.hash.copy(out, 2)
      out.writeInt32BE(w.primaryPartition, 2 + hashLength)
      out[6 + hashLength] = value === undefined ? 0 : 1
      value?.copy(out, 7 + hashLength)
      return out
    },
    deserialize(topic, data) {
      checkVersion(topic, data, 'SubscriptionResponseWrapper')
      const hashLength = data[1] === 1 ? HASH_BYTES : 0
      return {
        hash: hashLength === 0 ? null : Buffer.from(data.subarray(2, 2 + HASH_BYTES)),
        primaryPartition: data.readInt32BE(2 + hashLength),
        foreignValue: data[6 + hashLength] === 1 ? foreignValueSerde.deserialize(topic, data.subarray(7 + hashLength)) : null,
      }
    },
  }
  passThroughSetUp(serde, foreignValueSerde, (data) => {
    const hashLength = data[1] === 1 ? HASH_BYTES : 0
    return data[6 + hashLength] === 1 ? data.subarray(7 + hashLength) : undefined
  })
  return serde
}

function checkVersion(topic: string, data: Buffer, what: string): void {
  if (data.length < 1 || data[0] !== VERSION) {
    throw new SerializationError(`${what} on "${topic}" has version ${data[0] ?? 'none'}; this library reads version ${VERSION}`)
  }
}

/** Lets the inner serde's async set-up (Avro schema look-ups) run for the part it encodes. */
function passThroughSetUp<T>(serde: Serde<T>, inner: Serde<any>, part: (data: Buffer) => Buffer | undefined): void {
  if (inner.configure) serde.configure = () => inner.configure!()
  if (inner.prepareSerialize) serde.prepareSerialize = (topic) => inner.prepareSerialize!(topic)
  if (inner.prepare) {
    serde.prepare = (topic, data) => {
      const bytes = part(data)
      return bytes === undefined ? undefined : inner.prepare!(topic, bytes)
    }
  }
}
