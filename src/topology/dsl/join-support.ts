import { storeValueGetterSupplier, type KTableValueGetterSupplier } from '../../processors/ktable-value-getter.ts'
import type { Topology } from '../topology.ts'
import type { TableInternals } from './internals.ts'

/**
 * What every join needs from the DSL's plain-data topology: a way to read the other side's rows,
 * the source topics whose partitions must line up, and store connections.
 */

/** The table's getter: its own (computed or lazily materialized) or its store's. */
export function valueGetterSupplierOf<K, V>(table: TableInternals): KTableValueGetterSupplier<K, V> {
  if (table.valueGetterSupplier !== undefined) return table.valueGetterSupplier()
  if (table.storeName !== undefined) return storeValueGetterSupplier(table.storeName)
  throw new TypeError(`Table "${table.name}" has neither a store nor a value getter, so it cannot be joined`)
}

/**
 * The source topics feeding `nodeName` inside its sub-topology (Kafka's `subTopologySourceNodes`):
 * found by walking parents up to source nodes, which never cross a repartition topic. Topics of
 * the other side of an earlier join are not reached, but that join put them in a co-partition
 * group with these, and groups merge transitively at compile time.
 */
export function sourceTopicsOf(topology: Topology, nodeName: string): string[] {
  const byName = new Map(topology.nodes.map((n) => [n.name, n]))
  const topics = new Set<string>()
  const seen = new Set<string>()
  const pending = [nodeName]
  while (pending.length > 0) {
    const name = pending.pop()!
    if (seen.has(name)) continue
    seen.add(name)
    const node = byName.get(name)
    if (node === undefined) continue
    if (node.kind === 'source') for (const t of node.topics) topics.add(t)
    else pending.push(...node.parents)
  }
  return [...topics]
}

/** Declares that the nodes' source topics must have equal partition counts (checked at start-up). */
export function copartition(topology: Topology, ...nodeNames: string[]): void {
  const topics = new Set<string>()
  for (const name of nodeNames) for (const t of sourceTopicsOf(topology, name)) topics.add(t)
  if (topics.size > 1) topology.copartition([...topics])
}

/** Connects the stores a getter reads to the processor that reads them. */
export function connectGetter(topology: Topology, processorName: string, getter: KTableValueGetterSupplier<any, any>): void {
  const stores = getter.storeNames().filter((s) => topology.stores.has(s))
  if (stores.length > 0) topology.connectProcessorAndStateStores(processorName, ...stores)
}
