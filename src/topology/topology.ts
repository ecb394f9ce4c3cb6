import type { ProcessorSupplier } from '../processors/processor.ts'
import type { Serde } from '../serdes/serde.ts'
import type { StateStore, StoreBuilder } from '../state/store.ts'
import { compile } from './compile.ts'
import { describe } from './describe.ts'
import { toMermaid } from './mermaid.ts'
import type { CompiledTopology } from './compile.ts'
import type {
  GlobalStoreSpec,
  InternalTopicSpec,
  NodeSpec,
  StateStoreSpec,
  StreamPartitioner,
  TimestampExtractor,
  TopicNameExtractor,
} from './nodes.ts'

export interface SourceOptions<K, V> {
  readonly keySerde?: Serde<K>
  readonly valueSerde?: Serde<V>
  readonly timestampExtractor?: TimestampExtractor
  readonly offsetReset?: 'earliest' | 'latest'
}

export interface SinkOptions<K, V> {
  readonly keySerde?: Serde<K>
  readonly valueSerde?: Serde<V>
  readonly partitioner?: StreamPartitioner<K, V>
}

/**
 * The low-level topology (Kafka Streams' `Topology`), for users who skip the DSL; the DSL builds
 * one of these too. Every method only appends plain data and validates names, so a mistake is
 * reported where it was made, not when the app starts.
 */
export class Topology {
  /** Nodes in insertion order; parents are always added before children. */
  readonly nodes: NodeSpec[] = []
  readonly stores = new Map<string, StateStoreSpec>()
  readonly globalStores: GlobalStoreSpec[] = []
  readonly internalTopics = new Map<string, InternalTopicSpec>()
  /** Sets of source topics that must be co-partitioned (joins), by topic name. */
  readonly copartitionGroups: string[][] = []
  readonly #names = new Set<string>()

  addSource<K = unknown, V = unknown>(name: string, topics: string | ReadonlyArray<string>, options: SourceOptions<K, V> = {}): this {
    this.#claimName(name)
    const list = typeof topics === 'string' ? [topics] : [...topics]
    if (list.length === 0) throw new TypeError(`Source "${name}" needs at least one topic`)
    for (const topic of list) {
      for (const node of this.nodes) {
        if (node.kind === 'source' && node.topics.includes(topic)) {
          throw new TypeError(`Topic "${topic}" is already consumed by source "${node.name}"`)
        }
      }
    }
    this.nodes.push({
      kind: 'source',
      name,
      topics: list,
      keySerde: options.keySerde,
      valueSerde: options.valueSerde,
      timestampExtractor: options.timestampExtractor,
      offsetReset: options.offsetReset,
    })
    return this
  }

  addProcessor(name: string, supplier: ProcessorSupplier<any, any, any, any>, ...parentNames: string[]): this {
    if (typeof supplier !== 'function') throw new TypeError(`Processor "${name}" needs a supplier function`)
    this.#checkParents(name, parentNames)
    this.#claimName(name)
    this.nodes.push({ kind: 'processor', name, supplier, parents: parentNames })
    return this
  }

  addSink<K = unknown, V = unknown>(
    name: string,
    topic: string | TopicNameExtractor<K, V>,
    options: SinkOptions<K, V> = {},
    ...parentNames: string[]
  ): this {
    this.#checkParents(name, parentNames)
    this.#claimName(name)
    this.nodes.push({
      kind: 'sink',
      name,
      topic: topic as string | TopicNameExtractor<any, any>,
      keySerde: options.keySerde,
      valueSerde: options.valueSerde,
      partitioner: options.partitioner as StreamPartitioner<any, any> | undefined,
      parents: parentNames,
    })
    return this
  }

  /** Adds a store and connects it to the named processors (more can be connected later). */
  addStateStore(builder: StoreBuilder<StateStore>, ...processorNames: string[]): this {
    if (this.stores.has(builder.name)) throw new TypeError(`State store "${builder.name}" is already added`)
    this.stores.set(builder.name, { builder, processors: [] })
    if (processorNames.length > 0) this.connectProcessorAndStateStores(processorNames[0]!, builder.name)
    for (const p of processorNames.slice(1)) this.connectProcessorAndStateStores(p, builder.name)
    return this
  }

  connectProcessorAndStateStores(processorName: string, ...storeNames: string[]): this {
    const node = this.nodes.find((n) => n.name === processorName)
    if (node?.kind !== 'processor') throw new TypeError(`"${processorName}" is not a processor of this topology`)
    for (const storeName of storeNames) {
      const spec = this.stores.get(storeName)
      if (!spec) throw new TypeError(`State store "${storeName}" has not been added`)
      if (!spec.processors.includes(processorName)) {
        this.stores.set(storeName, { builder: spec.builder, processors: [...spec.processors, processorName] })
      }
    }
    return this
  }

  /** A global store: every instance reads all partitions of `topic` into it (Kafka's `addGlobalStore`). */
  addGlobalStore<K, V>(
    builder: StoreBuilder<StateStore>,
    sourceName: string,
    topic: string,
    options: { readonly keySerde?: Serde<K>; readonly valueSerde?: Serde<V> },
    processorName: string,
    supplier: ProcessorSupplier<K, V, never, never>,
  ): this {
    this.#claimName(sourceName)
    this.#claimName(processorName)
    this.globalStores.push({
      builder,
      sourceName,
      topic,
      keySerde: options.keySerde,
      valueSerde: options.valueSerde,
      processorName,
      supplier: supplier as ProcessorSupplier<any, any, never, never>,
      position: this.nodes.length,
    })
    return this
  }

  /** Declares an internal topic; sources and sinks then use its unprefixed name. */
  addInternalTopic(spec: InternalTopicSpec): this {
    this.internalTopics.set(spec.name, spec)
    return this
  }

  /** Declares that these source topics must have the same partition count (a join's inputs). */
  copartition(topics: ReadonlyArray<string>): this {
    this.copartitionGroups.push([...topics])
    return this
  }

  /** Kafka Streams' `TopologyDescription` text: sub-topologies, nodes, topics and stores. */
  describe(): string {
    return describe(this)
  }

  /** A Mermaid flowchart: a subgraph per sub-topology, topics and stores as their own shapes. */
  toMermaid(): string {
    return toMermaid(this)
  }

  /** Sub-topologies, resolved internal topic names and the internal topics to create (pure). */
  compile(applicationId: string): CompiledTopology {
    return compile(this, applicationId)
  }

  #claimName(name: string): void {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('Node names must be non-empty strings')
    if (this.#names.has(name)) throw new TypeError(`Node name "${name}" is already used in this topology`)
    this.#names.add(name)
  }

  #checkParents(name: string, parents: ReadonlyArray<string>): void {
    if (parents.length === 0) throw new TypeError(`"${name}" needs at least one parent node`)
    for (const parent of parents) {
      const node = this.nodes.find((n) => n.name === parent)
      if (!node) throw new TypeError(`Parent "${parent}" of "${name}" is not in the topology (add parents first)`)
      if (node.kind === 'sink') throw new TypeError(`Sink "${parent}" cannot be the parent of "${name}"`)
    }
  }
}
