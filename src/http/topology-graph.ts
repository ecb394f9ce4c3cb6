import { KeyValueStoreBuilder } from '../state/key-value-store-builder.ts'
import type { CompiledTopology } from '../topology/compile.ts'

/**
 * The topology as JSON, for the web view and `/topology?format=json`: the same sub-topologies,
 * nodes and stores `describe()` prints, with resolved topic names (internal topics carry the
 * application id, as they are named in Kafka) and both edge directions, so a client can lay it
 * out without parsing Kafka's text format.
 */
export interface TopologyGraph {
  readonly applicationId: string
  readonly subtopologies: ReadonlyArray<SubtopologyGraph>
  readonly stores: ReadonlyArray<StoreGraph>
}

export interface SubtopologyGraph {
  readonly id: number
  /** A global store's sub-topology: read on every instance, no tasks. */
  readonly global: boolean
  readonly nodes: ReadonlyArray<NodeGraph>
}

export interface NodeGraph {
  readonly name: string
  readonly kind: 'source' | 'processor' | 'sink'
  readonly parents: ReadonlyArray<string>
  readonly children: ReadonlyArray<string>
  /** A source's topics; a sink's topic (`<extractor>()` when chosen per record). */
  readonly topics: ReadonlyArray<string>
  readonly stores: ReadonlyArray<string>
}

export interface StoreGraph {
  readonly name: string
  readonly subtopology: number
  readonly changelogTopic: string | undefined
  /** Key-value stores answer `/stores/:store/...`; window, session and buffer stores do not. */
  readonly queryable: boolean
  readonly global: boolean
}

export function topologyGraph(topology: CompiledTopology): TopologyGraph {
  const subtopologies: SubtopologyGraph[] = []
  const stores: StoreGraph[] = []
  for (const sub of topology.subtopologies) {
    subtopologies.push({
      id: sub.id,
      global: false,
      nodes: sub.nodes.map((n): NodeGraph => {
        if (n.kind === 'source') return { name: n.name, kind: n.kind, parents: [], children: [...n.children], topics: [...n.topics], stores: [] }
        const children = n.kind === 'processor' ? [...n.children] : []
        const topics = n.kind === 'sink' ? [typeof n.topic === 'string' ? n.topic : `${n.topic.name || 'topic'}()`] : []
        return { name: n.name, kind: n.kind, parents: [...n.parents], children, topics, stores: n.kind === 'processor' ? [...n.stores] : [] }
      }),
    })
    for (const s of sub.stores) {
      stores.push({ name: s.name, subtopology: sub.id, changelogTopic: s.changelogTopic, queryable: s.builder instanceof KeyValueStoreBuilder, global: false })
    }
  }
  for (const g of topology.globalStores) {
    subtopologies.push({
      id: g.id,
      global: true,
      nodes: [
        { name: g.sourceName, kind: 'source', parents: [], children: [g.processorName], topics: [g.topic], stores: [] },
        { name: g.processorName, kind: 'processor', parents: [g.sourceName], children: [], topics: [], stores: [g.storeName] },
      ],
    })
    stores.push({ name: g.storeName, subtopology: g.id, changelogTopic: g.topic, queryable: g.builder instanceof KeyValueStoreBuilder, global: true })
  }
  subtopologies.sort((a, b) => a.id - b.id)
  return { applicationId: topology.applicationId, subtopologies, stores }
}
