import type { Serde } from '../serdes/serde.ts'
import type { CompiledTopology } from '../topology/compile.ts'
import { taskId as formatTaskId } from '../topology/task-id.ts'
import type { TopicLayout } from './internal-topics.ts'
import type { HostTasks } from './streams-partition-assignor.ts'

/** An instance's `applicationServer`, split (Kafka's `HostInfo`). */
export interface HostInfo {
  readonly host: string
  readonly port: number
}

/** Where a key of a store lives (Kafka's `KeyQueryMetadata`). */
export interface KeyQueryMetadata {
  /** The instance with the active copy; undefined while no instance with an `applicationServer` has it. */
  readonly activeHost: HostInfo | undefined
  readonly standbyHosts: HostInfo[]
  /** The key's partition: the task `<subtopology>_<partition>` holds it. */
  readonly partition: number
}

/** One instance of the application and what it holds (Kafka's `StreamsMetadata`). */
export interface StreamsMetadata {
  readonly hostInfo: HostInfo
  readonly stateStoreNames: string[]
  readonly activeTasks: string[]
  readonly standbyStateStoreNames: string[]
  readonly standbyTasks: string[]
}

export function parseHostInfo(server: string): HostInfo {
  const at = server.lastIndexOf(':')
  return { host: server.slice(0, at), port: Number(server.slice(at + 1)) }
}

/** The instances (with an `applicationServer`) of the latest assignment, and their stores. */
export function allMetadata(topology: CompiledTopology, hosts: HostTasks): StreamsMetadata[] {
  const storesOf = (tasks: ReadonlyArray<string>): string[] => {
    const names = new Set<string>()
    for (const t of tasks) for (const s of topology.subtopology(Number(t.split('_')[0])).stores) names.add(s.name)
    return [...names].sort()
  }
  const globals = topology.globalStores.map((g) => g.storeName)
  return Object.keys(hosts).sort().map((server) => ({
    hostInfo: parseHostInfo(server),
    stateStoreNames: [...new Set([...storesOf(hosts[server]!.active), ...globals])].sort(),
    activeTasks: [...hosts[server]!.active],
    standbyStateStoreNames: storesOf(hosts[server]!.standby),
    standbyTasks: [...hosts[server]!.standby],
  }))
}

/**
 * Which instance holds `key` of `storeName` (Kafka's `queryMetadataForKey`): the key's partition
 * is the default partitioner's (murmur2) over the store's task count, as its source topic was written.
 */
export function keyQueryMetadata<K>(options: {
  readonly topology: CompiledTopology
  readonly hosts: HostTasks
  readonly layout: TopicLayout
  readonly storeName: string
  readonly key: K
  readonly keySerde: Serde<K>
  readonly partitionFor: (key: Buffer, numPartitions: number) => number
}): KeyQueryMetadata | undefined {
  const { topology, hosts, storeName } = options
  const sub = topology.subtopologies.find((s) => s.stores.some((st) => st.name === storeName))
  if (sub === undefined) return undefined
  const tasks = options.layout.taskCounts.get(sub.id) ?? 0
  if (tasks === 0) return undefined
  const bytes = options.keySerde.serialize(sub.sourceTopics[0] ?? storeName, options.key)
  const partition = options.partitionFor(bytes, tasks)
  const task = formatTaskId(sub.id, partition)
  let activeHost: HostInfo | undefined
  const standbyHosts: HostInfo[] = []
  for (const server of Object.keys(hosts).sort()) {
    if (hosts[server]!.active.includes(task)) activeHost = parseHostInfo(server)
    if (hosts[server]!.standby.includes(task)) standbyHosts.push(parseHostInfo(server))
  }
  return { activeHost, standbyHosts, partition }
}
