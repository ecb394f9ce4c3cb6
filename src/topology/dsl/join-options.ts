import type { Serde } from '../../serdes/serde.ts'
import type { StreamPartitioner } from '../nodes.ts'
import type { NamedOptions, SerdeOptions, StoreOptions, StoreType } from './options.ts'

/**
 * Options of the join operators, as Kafka's `Joined`, `StreamJoined` and `TableJoined`. `key` and
 * `value` are the serdes of this stream's records, `otherValue` those of the other side: they are
 * needed only where a join repartitions or stores records, and fall back to the known serdes.
 */

/** Stream-table and stream-global-table joins (Kafka's `Joined`). */
export interface JoinedOptions<K, V, VO> extends SerdeOptions<K, V>, NamedOptions {
  readonly otherValue?: Serde<VO>
}

/**
 * Stream-stream joins (Kafka's `StreamJoined`). `name` names the processors and, when the key
 * changed upstream, the repartition topics `<name>-left-repartition` / `<name>-right-repartition`;
 * `storeName` is the base name of the two join-window stores (`<storeName>-this-join-store` and
 * `-other-join-store`) and of the outer-join store.
 */
export interface StreamJoinedOptions<K, V, VO> extends JoinedOptions<K, V, VO> {
  readonly storeName?: string
  readonly storeType?: StoreType
  readonly logging?: StoreOptions<K, V>['logging']
}

/**
 * Foreign-key table joins (Kafka's `TableJoined` plus `Materialized`): `name` is the base of every
 * processor, topic and store name; store options materialize the result table.
 */
export interface TableJoinedOptions<K, VR, KO> extends StoreOptions<K, VR> {
  /** Places the response records on the left table's partitions; default: where the row lives. */
  readonly partitioner?: StreamPartitioner<K, unknown>
  /** Places the subscription records on the right table's partitions; default: murmur2 of the key. */
  readonly otherPartitioner?: StreamPartitioner<KO, unknown>
}
