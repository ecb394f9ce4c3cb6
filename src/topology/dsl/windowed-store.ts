import type { Serde } from '../../serdes/serde.ts'
import type { StoreBuilder } from '../../state/store.ts'
import { SessionStoreBuilder, timestampedWindowStoreBuilder } from '../../state/window-store-builder.ts'
import { inMemorySessionStore, inMemoryWindowStore, persistentSessionStore, persistentWindowStore } from '../../state/window-store-suppliers.ts'
import type { Topology } from '../topology.ts'
import type { InternalStreamsBuilder } from './internal-builder.ts'
import type { StoreOptions } from './options.ts'

/** Store options of windowed aggregations (Kafka's `Materialized` with `withRetention`). */
export interface WindowedStoreOptions<K, V> extends StoreOptions<K, V> {
  /**
   * How long windows stay queryable, in ms. Default and minimum: window size + grace (sliding
   * windows: twice the time difference + grace; sessions: gap + grace).
   */
  readonly retentionMs?: number
}

/** The retention of a windowed aggregation's store: the user's, checked against the minimum. */
export function retentionFor(storeName: string, options: WindowedStoreOptions<any, any> | undefined, minimum: number, what: string): number {
  const retention = options?.retentionMs ?? minimum
  if (retention < minimum) {
    throw new RangeError(`The retention period of the window store ${storeName} (${retention} ms) must be no smaller than ${what} (${minimum} ms)`)
  }
  return retention
}

function loggingAndCaching(builder: StoreBuilder, storeName: string, options: StoreOptions<any, any> | undefined): StoreBuilder {
  if (options?.caching === true) {
    throw new TypeError(`Store ${storeName}: windowed aggregations have no record cache yet; leave caching off`)
  }
  const logging = options?.logging ?? true
  if (logging === false) return builder.withLoggingDisabled()
  return builder.withLoggingEnabled(logging === true ? {} : logging.config)
}

/** The timestamped window store of a time or sliding window aggregation. */
export function timestampedWindowStore(
  builder: InternalStreamsBuilder,
  storeName: string,
  options: WindowedStoreOptions<any, any> | undefined,
  keySerde: Serde<any> | undefined,
  valueSerde: Serde<any> | undefined,
  retentionPeriod: number,
  windowSize: number,
): StoreBuilder {
  const supplier = options?.storeType === 'memory'
    ? inMemoryWindowStore(storeName, retentionPeriod, windowSize)
    : persistentWindowStore(storeName, retentionPeriod, windowSize)
  const store = timestampedWindowStoreBuilder(supplier, builder.internalSerde(options?.key ?? keySerde), builder.internalSerde(options?.value ?? valueSerde))
  return loggingAndCaching(store, storeName, options)
}

/** The session store of a session window aggregation. */
export function sessionStore(
  builder: InternalStreamsBuilder,
  storeName: string,
  options: WindowedStoreOptions<any, any> | undefined,
  keySerde: Serde<any> | undefined,
  valueSerde: Serde<any> | undefined,
  retentionPeriod: number,
): StoreBuilder {
  const supplier = options?.storeType === 'memory' ? inMemorySessionStore(storeName, retentionPeriod) : persistentSessionStore(storeName, retentionPeriod)
  const store = new SessionStoreBuilder(supplier, builder.internalSerde(options?.key ?? keySerde), builder.internalSerde(options?.value ?? valueSerde))
  return loggingAndCaching(store, storeName, options)
}

/**
 * Windowed aggregation nodes and how long after a window's end they close it, per topology, so
 * `suppress(untilWindowCloses)` can find the grace period upstream the way Kafka's
 * `findAndVerifyWindowGrace` walks the graph.
 */
const windowedNodes = new WeakMap<Topology, Map<string, number>>()

export function registerWindowedAggregation(topology: Topology, nodeName: string, closeAfterEndMs: number): void {
  let nodes = windowedNodes.get(topology)
  if (nodes === undefined) windowedNodes.set(topology, (nodes = new Map()))
  nodes.set(nodeName, closeAfterEndMs)
}

/**
 * The close delay of the windowed aggregation `nodeName` descends from through single-parent
 * table operators; undefined when it is not a windowed table.
 */
export function windowCloseDelayOf(topology: Topology, nodeName: string): number | undefined {
  const nodes = windowedNodes.get(topology)
  if (nodes === undefined) return undefined
  const specs = new Map(topology.nodes.map((node) => [node.name, node]))
  for (let name: string | undefined = nodeName; name !== undefined; ) {
    const delay = nodes.get(name)
    if (delay !== undefined) return delay
    const spec = specs.get(name)
    if (spec === undefined || spec.kind === 'source' || spec.parents.length !== 1) return undefined
    name = spec.parents[0]
  }
  return undefined
}
