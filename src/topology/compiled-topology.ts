import type { ProcessorSupplier } from '../processors/processor.ts'
import type { Serde } from '../serdes/serde.ts'
import type { StoreBuilder } from '../state/store.ts'
import type { GlobalStoreSpec, ProcessorNodeSpec, SinkNodeSpec, SourceNodeSpec, TopicNameExtractor } from './nodes.ts'

/** What `compile()` produces: the runtime's and the test driver's view of a topology. */

export interface CompiledSourceNode {
  readonly kind: 'source'
  readonly name: string
  /** Resolved topic names (internal topics prefixed with the application id). */
  readonly topics: ReadonlyArray<string>
  readonly children: ReadonlyArray<string>
  readonly spec: SourceNodeSpec
}

export interface CompiledProcessorNode {
  readonly kind: 'processor'
  readonly name: string
  readonly parents: ReadonlyArray<string>
  readonly children: ReadonlyArray<string>
  /** Stores this processor may open with `getStateStore` (global stores are always allowed). */
  readonly stores: ReadonlyArray<string>
  readonly supplier: ProcessorSupplier<any, any, any, any>
  readonly spec: ProcessorNodeSpec
}

export interface CompiledSinkNode {
  readonly kind: 'sink'
  readonly name: string
  readonly parents: ReadonlyArray<string>
  /** A static topic, resolved; or the user's extractor (its results are used as given). */
  readonly topic: string | TopicNameExtractor<any, any>
  /** True when `topic` is one of this application's repartition topics. */
  readonly internal: boolean
  readonly spec: SinkNodeSpec
}

export type CompiledNode = CompiledSourceNode | CompiledProcessorNode | CompiledSinkNode

export interface CompiledStore {
  readonly name: string
  readonly builder: StoreBuilder
  readonly processors: ReadonlyArray<string>
  /** `<applicationId>-<store>-changelog` when logging is enabled. */
  readonly changelogTopic: string | undefined
}

export interface InternalTopic {
  /** Resolved name. */
  readonly name: string
  readonly type: 'repartition' | 'changelog'
  /**
   * Fixed partition count, or undefined: a repartition topic then gets the maximum partition
   * count of the source topics of the sub-topologies writing it (`writerSubtopologies`), and a
   * changelog the partition count of its sub-topology (one partition per task).
   */
  readonly numPartitions: number | undefined
  readonly config: { readonly [key: string]: string }
  /** Changelog: its store's sub-topology. Repartition: the sub-topology reading it. */
  readonly subtopology: number
  /** Repartition topics only: the sub-topologies whose sinks write it. */
  readonly writerSubtopologies: ReadonlyArray<number>
  /** Changelog topics only. */
  readonly storeName: string | undefined
}

export interface Subtopology {
  readonly id: number
  /** Every topic this sub-topology reads, resolved; a task reads one partition of each. */
  readonly sourceTopics: ReadonlyArray<string>
  /** The subset of `sourceTopics` that are this application's repartition topics. */
  readonly repartitionSourceTopics: ReadonlyArray<string>
  /** Static sink topics, resolved. */
  readonly sinkTopics: ReadonlyArray<string>
  /** Parents always come before children. */
  readonly nodes: ReadonlyArray<CompiledNode>
  readonly sources: ReadonlyArray<CompiledSourceNode>
  /** Resolved source topic → its source node. */
  readonly sourceByTopic: ReadonlyMap<string, CompiledSourceNode>
  readonly stores: ReadonlyArray<CompiledStore>
  readonly changelogTopics: ReadonlyArray<InternalTopic>
}

export interface CompiledGlobalStore {
  /** Its place in Kafka's sub-topology numbering; global stores create no tasks. */
  readonly id: number
  readonly storeName: string
  readonly builder: StoreBuilder
  readonly sourceName: string
  readonly topic: string
  readonly keySerde: Serde<any> | undefined
  readonly valueSerde: Serde<any> | undefined
  readonly processorName: string
  readonly supplier: ProcessorSupplier<any, any, never, never>
  readonly spec: GlobalStoreSpec
}

export interface CompiledTopology {
  readonly applicationId: string
  /** Ordered by id; ids are not contiguous when global stores take numbers. */
  readonly subtopologies: ReadonlyArray<Subtopology>
  readonly globalStores: ReadonlyArray<CompiledGlobalStore>
  /** Resolved source topic → id of the sub-topology reading it (global topics excluded). */
  readonly topicToSubtopology: ReadonlyMap<string, number>
  /** Topics the application's tasks read, sorted (internal repartition topics included). */
  readonly sourceTopics: ReadonlyArray<string>
  /** User topics (not internal) that tasks read, sorted: these must exist before starting. */
  readonly externalSourceTopics: ReadonlyArray<string>
  readonly repartitionTopics: ReadonlyArray<InternalTopic>
  readonly changelogTopics: ReadonlyArray<InternalTopic>
  /** Sets of resolved topics that must have equal partition counts (declared, merged transitively). */
  readonly copartitionGroups: ReadonlyArray<ReadonlyArray<string>>
  /** Resolves a topic name as written in the topology (internal topics get the prefix). */
  resolveTopic(name: string): string
  subtopology(id: number): Subtopology
}
