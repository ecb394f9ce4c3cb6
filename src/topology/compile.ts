import { groupNodes } from './node-groups.ts'
import type { Topology } from './topology.ts'
import type {
  CompiledGlobalStore,
  CompiledNode,
  CompiledSourceNode,
  CompiledStore,
  CompiledTopology,
  InternalTopic,
  Subtopology,
} from './compiled-topology.ts'

export type {
  CompiledGlobalStore,
  CompiledNode,
  CompiledProcessorNode,
  CompiledSinkNode,
  CompiledSourceNode,
  CompiledStore,
  CompiledTopology,
  InternalTopic,
  Subtopology,
} from './compiled-topology.ts'
export { parseTaskId, taskId } from './task-id.ts'
export type { ParsedTaskId, TaskId } from './task-id.ts'

/**
 * Compiling turns the topology's plain data into what the runtime executes: sub-topologies (the
 * unit a task runs, one task per input partition), resolved internal topic names and the internal
 * topics to create. It is pure: the same topology and application id always give the same result.
 *
 * Sub-topologies are Kafka Streams' node groups (see node-groups.ts): a repartition topic ends one
 * and starts the next. Ids follow Kafka's numbering, so task ids — and the state directories
 * named after them — match a Java app built from the same topology.
 */

export class TopologyError extends Error {
  override readonly name = 'TopologyError'
}

/** Kafka's `RepartitionTopicConfig` defaults: records are purged after commit, never by time. */
const REPARTITION_DEFAULTS: { readonly [key: string]: string } = {
  'cleanup.policy': 'delete',
  'segment.bytes': '52428800',
  'retention.ms': '-1',
  'message.timestamp.type': 'CreateTime',
}

/** Kafka's `UnwindowedChangelogTopicConfig` defaults. */
const CHANGELOG_DEFAULTS: { readonly [key: string]: string } = {
  'cleanup.policy': 'compact',
  'message.timestamp.type': 'CreateTime',
}

export function changelogTopicName(applicationId: string, storeName: string): string {
  return `${applicationId}-${storeName}-changelog`
}

export function compile(topology: Topology, applicationId: string): CompiledTopology {
  if (typeof applicationId !== 'string' || applicationId.length === 0) {
    throw new TopologyError('compile() needs a non-empty applicationId')
  }
  const repartitionNames = new Set<string>()
  for (const spec of topology.internalTopics.values()) if (spec.type === 'repartition') repartitionNames.add(spec.name)
  const resolveTopic = (name: string): string => (repartitionNames.has(name) ? `${applicationId}-${name}` : name)

  const nodes = topology.nodes
  const { idOfNode, idOfGlobal, storesOf, joiningStores } = groupNodes(topology)

  const childrenOf = new Map<string, string[]>()
  for (const node of nodes) {
    if (node.kind === 'source') continue
    for (const p of node.parents) {
      const list = childrenOf.get(p)
      if (list) list.push(node.name)
      else childrenOf.set(p, [node.name])
    }
  }

  const compiledStores = new Map<string, CompiledStore>()
  for (const [storeName, spec] of topology.stores) {
    compiledStores.set(storeName, {
      name: storeName,
      builder: spec.builder,
      processors: spec.processors,
      changelogTopic: spec.builder.loggingEnabled ? changelogTopicName(applicationId, storeName) : undefined,
    })
  }

  interface Draft {
    id: number
    nodes: CompiledNode[]
    sources: CompiledSourceNode[]
    sinkTopics: Set<string>
    repartitionSinks: Set<string>
    stores: Set<string>
  }
  const drafts = new Map<number, Draft>()
  for (let i = 0; i < nodes.length; i++) {
    const spec = nodes[i]!
    const id = idOfNode[i]!
    let draft = drafts.get(id)
    if (!draft) {
      draft = { id, nodes: [], sources: [], sinkTopics: new Set(), repartitionSinks: new Set(), stores: new Set() }
      drafts.set(id, draft)
    }
    const children = childrenOf.get(spec.name) ?? []
    if (spec.kind === 'source') {
      const compiled: CompiledSourceNode = { kind: 'source', name: spec.name, topics: spec.topics.map(resolveTopic), children, spec }
      draft.nodes.push(compiled)
      draft.sources.push(compiled)
    } else if (spec.kind === 'processor') {
      const stores = storesOf.get(spec.name) ?? []
      for (const s of stores) draft.stores.add(s)
      draft.nodes.push({ kind: 'processor', name: spec.name, parents: spec.parents, children, stores, supplier: spec.supplier, spec })
    } else {
      const internal = typeof spec.topic === 'string' && repartitionNames.has(spec.topic)
      const topic = typeof spec.topic === 'string' ? resolveTopic(spec.topic) : spec.topic
      if (typeof topic === 'string') draft.sinkTopics.add(topic)
      if (internal) draft.repartitionSinks.add(topic as string)
      draft.nodes.push({ kind: 'sink', name: spec.name, parents: spec.parents, topic, internal, spec })
    }
  }

  const topicToSubtopology = new Map<string, number>()
  const subtopologies: Subtopology[] = []
  const changelogTopics: InternalTopic[] = []
  for (const draft of [...drafts.values()].sort((a, b) => a.id - b.id)) {
    const sourceTopics: string[] = []
    const sourceByTopic = new Map<string, CompiledSourceNode>()
    for (const source of draft.sources) {
      for (const topic of source.topics) {
        sourceTopics.push(topic)
        sourceByTopic.set(topic, source)
        topicToSubtopology.set(topic, draft.id)
      }
    }
    if (sourceTopics.length === 0) {
      throw new TopologyError(`Sub-topology ${draft.id} (${draft.nodes.map((n) => n.name).join(', ')}) has no source node`)
    }
    for (const topic of draft.repartitionSinks) {
      if (sourceByTopic.has(topic)) throw cycleError(draft.id, topic, joiningStores, compiledStores, draft.stores)
    }
    const stores = [...draft.stores].map((s) => compiledStores.get(s)!)
    const ownChangelogs: InternalTopic[] = []
    for (const store of stores) {
      if (store.changelogTopic === undefined) continue
      const declared = topology.internalTopics.get(`${store.name}-changelog`)
      ownChangelogs.push({
        name: store.changelogTopic,
        type: 'changelog',
        numPartitions: undefined,
        config: { ...CHANGELOG_DEFAULTS, ...declared?.config, ...store.builder.logConfig },
        subtopology: draft.id,
        writerSubtopologies: [],
        storeName: store.name,
      })
    }
    changelogTopics.push(...ownChangelogs)
    subtopologies.push({
      id: draft.id,
      sourceTopics,
      repartitionSourceTopics: sourceTopics.filter((t) => t.startsWith(`${applicationId}-`) && repartitionNames.has(t.slice(applicationId.length + 1))),
      sinkTopics: [...draft.sinkTopics],
      nodes: draft.nodes,
      sources: draft.sources,
      sourceByTopic,
      stores,
      changelogTopics: ownChangelogs,
    })
  }

  const repartitionTopics: InternalTopic[] = []
  for (const spec of topology.internalTopics.values()) {
    if (spec.type !== 'repartition') continue
    const name = resolveTopic(spec.name)
    const reader = topicToSubtopology.get(name)
    if (reader === undefined) continue // declared but unused: nothing to create
    repartitionTopics.push({
      name,
      type: 'repartition',
      numPartitions: spec.numPartitions,
      config: { ...REPARTITION_DEFAULTS, ...spec.config },
      subtopology: reader,
      writerSubtopologies: subtopologies.filter((s) => s.sinkTopics.includes(name)).map((s) => s.id),
      storeName: undefined,
    })
  }

  const globalStores: CompiledGlobalStore[] = topology.globalStores.map((spec, i) => {
    if (topicToSubtopology.has(spec.topic)) {
      throw new TopologyError(`Topic "${spec.topic}" feeds global store "${spec.builder.name}" and is also read by a source node`)
    }
    if (topology.stores.has(spec.builder.name)) {
      throw new TopologyError(`State store "${spec.builder.name}" is added both as a global store and as a local store`)
    }
    return {
      id: idOfGlobal[i]!,
      storeName: spec.builder.name,
      builder: spec.builder,
      sourceName: spec.sourceName,
      topic: spec.topic,
      keySerde: spec.keySerde,
      valueSerde: spec.valueSerde,
      processorName: spec.processorName,
      supplier: spec.supplier,
      spec,
    }
  })

  const sourceTopics = [...topicToSubtopology.keys()].sort()
  const byId = new Map(subtopologies.map((s) => [s.id, s]))
  return {
    applicationId,
    subtopologies,
    globalStores,
    topicToSubtopology,
    sourceTopics,
    externalSourceTopics: sourceTopics.filter((t) => !repartitionTopics.some((r) => r.name === t)),
    repartitionTopics,
    changelogTopics,
    copartitionGroups: mergeCopartitionGroups(topology.copartitionGroups.map((group) => group.map(resolveTopic))),
    resolveTopic,
    subtopology(id: number): Subtopology {
      const s = byId.get(id)
      if (!s) throw new TopologyError(`No sub-topology ${id} in this topology`)
      return s
    },
  }
}

function cycleError(
  id: number,
  topic: string,
  joiningStores: ReadonlyArray<string>,
  stores: ReadonlyMap<string, CompiledStore>,
  ownStores: ReadonlySet<string>,
): TopologyError {
  const culprit = joiningStores.find((s) => ownStores.has(s))
  if (culprit !== undefined) {
    const users = stores.get(culprit)!.processors.map((p) => `"${p}"`).join(', ')
    return new TopologyError(
      `State store "${culprit}" is used by processors ${users} on both sides of repartition topic "${topic}": ` +
        'a store belongs to exactly one sub-topology (its tasks own it), so processors in two sub-topologies cannot share it',
    )
  }
  return new TopologyError(`Sub-topology ${id} both writes and reads repartition topic "${topic}" (a cycle)`)
}

/** Kafka merges declared groups transitively: a topic in two groups joins them. */
function mergeCopartitionGroups(groups: ReadonlyArray<ReadonlyArray<string>>): string[][] {
  const merged: Set<string>[] = []
  for (const group of groups) {
    const into = new Set(group)
    for (let i = merged.length - 1; i >= 0; i--) {
      const other = merged[i]!
      if ([...other].some((t) => into.has(t))) {
        for (const t of other) into.add(t)
        merged.splice(i, 1)
      }
    }
    merged.push(into)
  }
  return merged.map((s) => [...s].sort())
}
