import { groupNodes } from './node-groups.ts'
import type { Topology } from './topology.ts'

/**
 * `Topology.toMermaid()`: a Mermaid `flowchart` of the topology. One subgraph per sub-topology
 * (and per global store); topics are parallelograms outside the subgraphs, since they are what
 * connects sub-topologies; stores are cylinders joined to their processors by dotted links.
 * Sources and sinks are stadiums, processors rectangles. Node ids are generated (`n0`, `t0`,
 * `s0`) because Kafka node names contain characters Mermaid treats as syntax; names are labels.
 */
export function toMermaid(topology: Topology): string {
  const { idOfNode, idOfGlobal, storesOf } = groupNodes(topology)
  const lines = ['flowchart TD']
  const edges: string[] = []
  const nodeId = new Map<string, string>()
  topology.nodes.forEach((n, i) => nodeId.set(n.name, `n${i}`))

  const topicId = new Map<string, string>()
  const topic = (name: string): string => {
    let id = topicId.get(name)
    if (id === undefined) {
      id = `t${topicId.size}`
      topicId.set(name, id)
      lines.push(`  ${id}[/"${label(name)}"/]`)
    }
    return id
  }
  // Topics first, in the order they are met, so the chart reads top-down.
  for (const node of topology.nodes) {
    if (node.kind === 'source') for (const t of node.topics) topic(t)
  }
  for (const node of topology.nodes) {
    if (node.kind === 'sink') topic(typeof node.topic === 'string' ? node.topic : `${node.topic.name || 'topic'}()`)
  }
  for (const g of topology.globalStores) topic(g.topic)

  const storeId = new Map<string, string>()
  const store = (name: string): string => {
    let id = storeId.get(name)
    if (id === undefined) {
      id = `s${storeId.size}`
      storeId.set(name, id)
    }
    return id
  }

  const sections = new Map<number, string[]>()
  const section = (id: number): string[] => {
    let body = sections.get(id)
    if (!body) {
      body = []
      sections.set(id, body)
    }
    return body
  }
  const declaredStores = new Set<string>()
  topology.nodes.forEach((node, i) => {
    const body = section(idOfNode[i]!)
    const id = nodeId.get(node.name)!
    if (node.kind === 'source') {
      body.push(`    ${id}(["${label(node.name)}"])`)
      for (const t of node.topics) edges.push(`  ${topicId.get(t)!} --> ${id}`)
      return
    }
    for (const parent of node.parents) edges.push(`  ${nodeId.get(parent)!} --> ${id}`)
    if (node.kind === 'processor') {
      body.push(`    ${id}["${label(node.name)}"]`)
      for (const s of storesOf.get(node.name) ?? []) {
        if (!declaredStores.has(s)) {
          declaredStores.add(s)
          body.push(`    ${store(s)}[("${label(s)}")]`)
        }
        edges.push(`  ${id} -.- ${store(s)}`)
      }
    } else {
      body.push(`    ${id}(["${label(node.name)}"])`)
      const t = typeof node.topic === 'string' ? node.topic : `${node.topic.name || 'topic'}()`
      edges.push(`  ${id} --> ${topicId.get(t)!}`)
    }
  })
  topology.globalStores.forEach((g, i) => {
    const body = section(idOfGlobal[i]!)
    const src = `g${i}s`
    const proc = `g${i}p`
    const s = store(g.builder.name)
    body.push(`    ${src}(["${label(g.sourceName)}"])`, `    ${proc}["${label(g.processorName)}"]`, `    ${s}[("${label(g.builder.name)}")]`)
    edges.push(`  ${topicId.get(g.topic)!} --> ${src}`, `  ${src} --> ${proc}`, `  ${proc} -.- ${s}`)
  })

  const globalIds = new Set(idOfGlobal)
  for (const id of [...sections.keys()].sort((a, b) => a - b)) {
    const title = globalIds.has(id) ? `Sub-topology ${id} (global store)` : `Sub-topology ${id}`
    lines.push(`  subgraph sub${id}["${title}"]`, ...sections.get(id)!, '  end')
  }
  return [...lines, ...edges].join('\n') + '\n'
}

/** Mermaid labels are double-quoted; a quote inside one is written as an entity. */
function label(text: string): string {
  return text.replace(/"/g, '#quot;')
}
