import type { Serde } from '../../serdes/serde.ts'
import type { StateStore, StoreBuilder } from '../../state/store.ts'
import type { StreamPartitioner, TimestampExtractor } from '../nodes.ts'

/**
 * Options of the DSL operators. The same field means the same thing everywhere: `name` names the
 * operator's processor node (Kafka's `Named`), `key`/`value` are serdes, `storeName` names a state
 * store. Serdes left out are carried from upstream where the types did not change, then taken from
 * the StreamsBuilder defaults; see StreamsBuilder for what happens when none is known.
 */

export interface NamedOptions {
  /** The processor node's name, instead of a generated `KSTREAM-FILTER-0000000001`. */
  readonly name?: string
}

export interface SerdeOptions<K, V> {
  readonly key?: Serde<K>
  readonly value?: Serde<V>
}

/** `stream()` (Kafka's `Consumed`). */
export interface ConsumedOptions<K, V> extends SerdeOptions<K, V>, NamedOptions {
  readonly timestampExtractor?: TimestampExtractor
  /** Where to start without a committed offset. */
  readonly offsetReset?: 'earliest' | 'latest'
}

export type StoreType = 'memory' | 'rocksdb'

/** How a stateful operator's store is made (Kafka's `Materialized`). */
export interface StoreOptions<K, V> extends SerdeOptions<K, V>, NamedOptions {
  /** Queryable store name; also names the changelog and, for aggregations, the repartition topic. */
  readonly storeName?: string
  /** Default `rocksdb`, as in Kafka Streams. */
  readonly storeType?: StoreType
  /** Changelog for restore (default on); `{ config }` enables it with extra changelog topic configs. */
  readonly logging?: boolean | { readonly config: { readonly [key: string]: string } }
  /** Record cache in front of the store (default off). */
  readonly caching?: boolean
}

/** `table()` and `globalTable()`: where to read and how to store. */
export interface TableOptions<K, V> extends StoreOptions<K, V> {
  readonly timestampExtractor?: TimestampExtractor
  readonly offsetReset?: 'earliest' | 'latest'
}

/** `groupBy` / `groupByKey` (Kafka's `Grouped`): serdes and name of the repartition topic. */
export interface GroupedOptions<K, V> extends SerdeOptions<K, V> {
  /** Names the repartition topic `<name>-repartition` (and the key-selecting processor). */
  readonly name?: string
}

/** `to()` (Kafka's `Produced`). */
export interface ProducedOptions<K, V> extends SerdeOptions<K, V>, NamedOptions {
  readonly partitioner?: StreamPartitioner<K, V>
}

/** `repartition()` (Kafka's `Repartitioned`). */
export interface RepartitionOptions<K, V> extends SerdeOptions<K, V> {
  /** Names the topic `<name>-repartition`. */
  readonly name?: string
  /** Fixed partition count of the topic; default: that of the upstream source topics. */
  readonly numberOfPartitions?: number
  readonly partitioner?: StreamPartitioner<K, V>
}

/**
 * `process()` / `processValues()`: the stores the processor may open with `getStateStore`, by
 * name (added with `StreamsBuilder.addStateStore`) or as store builders (added on first use).
 */
export interface ProcessOptions extends NamedOptions {
  readonly stores?: ReadonlyArray<string | StoreBuilder<StateStore>>
}

export interface SplitOptions {
  /** Prefix of the branch names; default a generated `KSTREAM-BRANCH-0000000001`. */
  readonly name?: string
}

export interface BranchOptions<N extends string = string> {
  /** The branch is named `<split name><name>`; default `<split name><branch number>`. */
  readonly name?: N
}
