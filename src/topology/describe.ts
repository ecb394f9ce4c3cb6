import { groupNodes } from './node-groups.ts'
import type { NodeSpec } from './nodes.ts'
import type { Topology } from './topology.ts'
import { grownCapacity, hashOrder, JavaTreeSet, javaSetToString } from './java-order.ts'

/**
 * `Topology.describe()`: Kafka Streams' `TopologyDescription.toString()`, character for
 * character, so tools that read Kafka's format (visualisers, diffing against a Java app) read
 * ours. Internal topics appear unprefixed, as in Kafka. Node order follows Kafka's comparator —
 * the size of the sub-graph below a node, descending, then the name — including the quirks of
 * computing those sizes while Java hash and tree sets are being filled (see java-order.ts).
 */

class DescribedNode {
  readonly spec: NodeSpec
  readonly stores: ReadonlyArray<string>
  size = 1
  readonly predecessors = new JavaTreeSet<DescribedNode>(compareNodes)
  readonly successors = new JavaTreeSet<DescribedNode>(compareNodes)

  constructor(spec: NodeSpec, stores: ReadonlyArray<string>) {
    this.spec = spec
    this.stores = stores
  }

  get name(): string {
    return this.spec.name
  }

  toString(): string {
    const spec = this.spec
    if (spec.kind === 'source') {
      return `Source: ${spec.name} (topics: ${javaSetToString(spec.topics)})\n      --> ${nodeNames(this.successors)}`
    }
    if (spec.kind === 'processor') {
      return `Processor: ${spec.name} (stores: ${javaSetToString(hashOrder(this.stores))})\n      --> ${nodeNames(this.successors)}\n      <-- ${nodeNames(this.predecessors)}`
    }
    const topic = typeof spec.topic === 'string' ? `topic: ${spec.topic}` : `extractor class: ${spec.topic.name || 'anonymous'}`
    return `Sink: ${spec.name} (${topic})\n      <-- ${nodeNames(this.predecessors)}`
  }
}

/** Kafka's `NodeComparator`: bigger sub-graph first, then by name. */
function compareNodes(a: DescribedNode, b: DescribedNode): number {
  if (a === b) return 0
  if (a.size !== b.size) return b.size - a.size
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}

function nodeNames(set: JavaTreeSet<DescribedNode>): string {
  const names = set.values().map((n) => n.name)
  return names.length === 0 ? 'none' : names.join(', ')
}

/** Kafka's `updateSize`: adds to every ancestor reachable now (a diamond counts twice, as in Kafka). */
function updateSize(node: DescribedNode, delta: number): void {
  node.size += delta
  for (const predecessor of node.predecessors.values()) updateSize(predecessor, delta)
}

function describeSubtopology(id: number, specs: ReadonlyArray<NodeSpec>, storesOf: ReadonlyMap<string, ReadonlyArray<string>>): string {
  const byName = new Map<string, DescribedNode>()
  for (const spec of specs) byName.set(spec.name, new DescribedNode(spec, storesOf.get(spec.name) ?? []))
  // Kafka walks a HashMap of the group's nodes: hash-bucket order.
  const order = hashOrder(specs.map((s) => s.name), grownCapacity(specs.length))
  for (const name of order) {
    const node = byName.get(name)!
    if (node.spec.kind === 'source') continue
    for (const predecessorName of node.spec.parents) {
      const predecessor = byName.get(predecessorName)!
      node.predecessors.add(predecessor)
      predecessor.successors.add(node)
      updateSize(predecessor, node.size)
    }
  }
  const nodes = [...byName.values()].sort(compareNodes)
  return `Sub-topology: ${id}\n${nodes.map((n) => `    ${n.toString()}\n`).join('')}\n`
}

function describeGlobalStore(id: number, topology: Topology, index: number): string {
  const spec = topology.globalStores[index]!
  return (
    `Sub-topology: ${id} for global store (will not generate tasks)\n` +
    `    Source: ${spec.sourceName} (topics: [${spec.topic}])\n      --> ${spec.processorName}\n` +
    `    Processor: ${spec.processorName} (stores: [${spec.builder.name}])\n      --> none\n      <-- ${spec.sourceName}\n`
  )
}

export function describe(topology: Topology): string {
  const { idOfNode, idOfGlobal, storesOf } = groupNodes(topology)
  const parts = new Map<number, string>()
  const members = new Map<number, NodeSpec[]>()
  topology.nodes.forEach((spec, i) => {
    const id = idOfNode[i]!
    const list = members.get(id)
    if (list) list.push(spec)
    else members.set(id, [spec])
  })
  for (const [id, specs] of members) parts.set(id, describeSubtopology(id, specs, storesOf))
  idOfGlobal.forEach((id, i) => parts.set(id, describeGlobalStore(id, topology, i)))
  // Kafka's "Topologies:\n " then "  " before each part: the first line gets three spaces.
  let out = 'Topologies:\n '
  for (const id of [...parts.keys()].sort((a, b) => a - b)) out += `  ${parts.get(id)!}`
  return out
}
