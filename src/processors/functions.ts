import type { KeyValue } from '../state/store.ts'

/**
 * The user functions DSL operators take. Functions of a key and a value take `(key, value)` as in
 * Kafka Streams; value mappers take `(value, key)`, so the common value-only lambda stays short.
 */

export type Predicate<K, V> = (key: K, value: V) => boolean
export type KeyValueMapper<K, V, R> = (key: K, value: V) => R
export type ValueMapper<V, VR, K = unknown> = (value: V, key: K) => VR
export type ForeachAction<K, V> = (key: K, value: V) => void
export type Initializer<VA> = () => VA
export type Aggregator<K, V, VA> = (key: K, value: V, aggregate: VA) => VA
/** Combines the current aggregate with a value (adder), or takes a value out of it (subtractor). */
export type Reducer<V> = (aggregate: V, value: V) => V
/** Combines a record's value with the other join side's (Kafka's `ValueJoinerWithKey`, values first). */
export type ValueJoiner<V, VO, VR, K = unknown> = (value: V, otherValue: VO, key: K) => VR

/** A mapper may answer `{ key, value }` or a `[key, value]` pair. */
export type KeyValueLike<K, V> = KeyValue<K, V> | readonly [K, V]

export function keyOf<K>(pair: KeyValueLike<K, unknown>): K {
  return Array.isArray(pair) ? (pair as readonly [K, unknown])[0] : (pair as KeyValue<K, unknown>).key
}

export function valueOf<V>(pair: KeyValueLike<unknown, V>): V {
  return Array.isArray(pair) ? (pair as readonly [unknown, V])[1] : (pair as KeyValue<unknown, V>).value
}
