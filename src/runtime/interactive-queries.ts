import type { KafkaClient } from '../client/port.ts'
import type { Serde } from '../serdes/serde.ts'
import type { ReadOnlyKeyValueStore, StateStore, ValueAndTimestamp } from '../state/store.ts'
import type { CompiledTopology } from '../topology/compile.ts'
import { queryableStore } from './composite-read-only-store.ts'
import type { GlobalStreamThread } from './global-stream-thread.ts'
import type { TopicLayout } from './internal-topics.ts'
import type { StreamThread } from './stream-thread.ts'
import { allMetadata, keyQueryMetadata, type KeyQueryMetadata, type StreamsMetadata } from './streams-metadata.ts'
import { isRunningOrRebalancing, type StreamsState } from './streams-state.ts'

/** What the queries read of the instance now; the threads and layout exist once it started. */
export interface QueriedInstance {
  readonly state: StreamsState
  readonly thread: StreamThread | undefined
  readonly global: GlobalStreamThread | undefined
  readonly layout: TopicLayout | undefined
}

/**
 * An instance's interactive queries (Kafka Streams' `QueryableStoreProvider` and
 * `StreamsMetadataState`): read-only views of its local stores across the running tasks and the
 * global stores, and which instance of the application holds a key, as of the latest rebalance.
 */
export class InteractiveQueries {
  readonly #topology: CompiledTopology
  readonly #client: KafkaClient
  readonly #instance: () => QueriedInstance

  constructor(topology: CompiledTopology, client: KafkaClient, instance: () => QueriedInstance) {
    this.#topology = topology
    this.#client = client
    this.#instance = instance
  }

  store<K, V>(name: string): ReadOnlyKeyValueStore<K, V> {
    return queryableStore<K, V>(this.#topology, name, 'plain', () => this.#localStores(name))
  }

  timestampedStore<K, V>(name: string): ReadOnlyKeyValueStore<K, ValueAndTimestamp<V>> {
    return queryableStore<K, ValueAndTimestamp<V>>(this.#topology, name, 'timestamped', () => this.#localStores(name))
  }

  queryMetadataForKey<K>(storeName: string, key: K, keySerde: Serde<K>): KeyQueryMetadata | undefined {
    const { thread, layout } = this.#instance()
    if (!thread || !layout) return undefined
    return keyQueryMetadata({ topology: this.#topology, hosts: thread.hosts, layout, storeName, key, keySerde, partitionFor: (k, n) => this.#client.partitionFor(k, n) })
  }

  allMetadata(): StreamsMetadata[] {
    const { thread } = this.#instance()
    return thread ? allMetadata(this.#topology, thread.hosts) : []
  }

  /** Looked up on every call, so a view outlives rebalances; empty while the instance does not run. */
  #localStores(name: string): StateStore[] {
    const { state, thread, global } = this.#instance()
    if (!isRunningOrRebalancing(state)) return []
    const globalStore = global?.store(name)
    if (globalStore) return [globalStore]
    const out: StateStore[] = []
    for (const t of thread?.taskManager.tasks() ?? []) {
      if (t.state !== 'running') continue
      const s = t.task.store(name)
      if (s !== undefined) out.push(s)
    }
    return out
  }
}
