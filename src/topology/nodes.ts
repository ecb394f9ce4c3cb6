import type { ProcessorSupplier } from '../processors/processor.ts'
import type { Record } from '../processors/record.ts'
import type { Serde } from '../serdes/serde.ts'
import type { StoreBuilder } from '../state/store.ts'

/**
 * The topology as plain data (DESIGN.md, decision 3): DSL calls and `Topology.add*` only append
 * these specs; compiling them into sub-topologies is a pure function.
 *
 * Topic names of internal topics (repartition, changelog) are stored without the application id;
 * `compile(applicationId)` resolves them to `<applicationId>-<name>`.
 */

/** Picks an event time for a consumed record (Kafka Streams' `TimestampExtractor`). */
export type TimestampExtractor = (
  record: { readonly key: unknown; readonly value: unknown; readonly timestamp: number; readonly topic: string },
  partitionTime: number,
) => number

/** Chooses the output topic per record (Kafka Streams' `TopicNameExtractor`). */
export type TopicNameExtractor<K = unknown, V = unknown> = (record: Record<K, V>) => string

/** Chooses the output partition; `undefined` falls back to murmur2 of the serialized key. */
export type StreamPartitioner<K = unknown, V = unknown> = (
  topic: string,
  key: K,
  value: V,
  numPartitions: number,
) => number | undefined

export interface SourceNodeSpec {
  readonly kind: 'source'
  readonly name: string
  /** Topic names as given; internal (repartition) topics are unprefixed and listed in `internalTopics`. */
  readonly topics: ReadonlyArray<string>
  readonly keySerde: Serde<any> | undefined
  readonly valueSerde: Serde<any> | undefined
  readonly timestampExtractor: TimestampExtractor | undefined
  readonly offsetReset: 'earliest' | 'latest' | undefined
}

export interface ProcessorNodeSpec {
  readonly kind: 'processor'
  readonly name: string
  readonly supplier: ProcessorSupplier<any, any, any, any>
  readonly parents: ReadonlyArray<string>
}

export interface SinkNodeSpec {
  readonly kind: 'sink'
  readonly name: string
  readonly topic: string | TopicNameExtractor<any, any>
  readonly keySerde: Serde<any> | undefined
  readonly valueSerde: Serde<any> | undefined
  readonly partitioner: StreamPartitioner<any, any> | undefined
  readonly parents: ReadonlyArray<string>
}

export type NodeSpec = SourceNodeSpec | ProcessorNodeSpec | SinkNodeSpec

export interface InternalTopicSpec {
  /** Unprefixed name, e.g. `KSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition`. */
  readonly name: string
  readonly type: 'repartition' | 'changelog'
  /** Fixed partition count (from `repartition({ numberOfPartitions })`); else the sources' count. */
  readonly numPartitions: number | undefined
  readonly config: { readonly [key: string]: string }
}

export interface StateStoreSpec {
  readonly builder: StoreBuilder
  /** Processors that may call `getStateStore(name)`. */
  readonly processors: ReadonlyArray<string>
}

/**
 * A global store: fed by a source topic on every instance (not partitioned), updated by a
 * processor that is the only writer. Its changelog is the source topic itself.
 */
export interface GlobalStoreSpec {
  readonly builder: StoreBuilder
  readonly sourceName: string
  readonly topic: string
  readonly keySerde: Serde<any> | undefined
  readonly valueSerde: Serde<any> | undefined
  readonly processorName: string
  readonly supplier: ProcessorSupplier<any, any, never, never>
  /**
   * How many nodes were added before this global store; compile() uses it to number the global
   * store among sub-topologies the way Kafka Streams does. Absent: numbered after all of them.
   */
  readonly position?: number
}
