import type { Topology } from './topology.ts'

/** How a topology's nodes fall into sub-topologies (Kafka Streams' node groups). */
export interface NodeGroups {
  /** Sub-topology id of each node, by index in `topology.nodes`. */
  readonly idOfNode: ReadonlyArray<number>
  /** Id of each global store, by index in `topology.globalStores`; global stores create no tasks. */
  readonly idOfGlobal: ReadonlyArray<number>
  /** Processor name → the stores connected to it, in the order they were connected. */
  readonly storesOf: ReadonlyMap<string, ReadonlyArray<string>>
  /** Stores whose processors were in different parent-connected parts, which the store joined. */
  readonly joiningStores: ReadonlyArray<string>
}

/**
 * Kafka Streams' `nodeGrouper` + `makeNodeGroups`: nodes joined by parent edges, plus the
 * processors of a shared store (a stream-table join reads the table's store from another
 * source). A sink and the source reading its topic are not joined, so a repartition topic ends
 * one group and starts the next. Groups are numbered by their first node in insertion order,
 * global stores taking their turn where they were added — the numbering task ids are built on.
 */
export function groupNodes(topology: Topology): NodeGroups {
  const nodes = topology.nodes
  const index = new Map<string, number>()
  nodes.forEach((n, i) => index.set(n.name, i))

  const parent = nodes.map((_, i) => i)
  const find = (i: number): number => {
    while (parent[i]! !== i) {
      parent[i] = parent[parent[i]!]!
      i = parent[i]!
    }
    return i
  }
  const unite = (a: number, b: number): void => {
    const ra = find(a)
    const rb = find(b)
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb)
  }
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!
    if (node.kind !== 'source') for (const p of node.parents) unite(i, index.get(p)!)
  }
  const edgeGroup = nodes.map((_, i) => find(i))
  const joiningStores: string[] = []
  const storesOf = new Map<string, string[]>()
  for (const [storeName, spec] of topology.stores) {
    const users = spec.processors.filter((p) => index.has(p))
    for (const p of users) {
      const list = storesOf.get(p)
      if (list) list.push(storeName)
      else storesOf.set(p, [storeName])
    }
    const first = users[0]
    if (first === undefined) continue
    if (new Set(users.map((p) => edgeGroup[index.get(p)!])).size > 1) joiningStores.push(storeName)
    for (const p of users.slice(1)) unite(index.get(first)!, index.get(p)!)
  }

  const globals = topology.globalStores
  const idOfRoot = new Map<number, number>()
  const idOfGlobal: number[] = []
  let nextId = 0
  let g = 0
  for (let i = 0; i < nodes.length; i++) {
    while (g < globals.length && (globals[g]!.position ?? Infinity) <= i) idOfGlobal[g++] = nextId++
    const root = find(i)
    if (!idOfRoot.has(root)) idOfRoot.set(root, nextId++)
  }
  while (g < globals.length) idOfGlobal[g++] = nextId++
  return { idOfNode: nodes.map((_, i) => idOfRoot.get(find(i))!), idOfGlobal, storesOf, joiningStores }
}
