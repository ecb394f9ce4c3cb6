import type { GlobalStateTask } from '../runtime/task/global-state-task.ts'
import type { StreamTask } from '../runtime/task/stream-task.ts'
import { isSessionStore, type SessionStore } from '../state/session-store.ts'
import type { KeyValueStore, StateStore, StoreBuilder, TimestampedKeyValueStore } from '../state/store.ts'
import { isWindowStore, type TimestampedWindowStore, type WindowStore } from '../state/window-store.ts'
import type { CompiledTopology } from '../topology/compile.ts'
import { isTimestampedBuilder, isTimestampedWindowBuilder } from './in-memory-substitute.ts'
import { KeyValueStoreFacade } from './key-value-store-facade.ts'
import { WindowStoreFacade } from './window-store-facade.ts'

/**
 * The test driver's state stores by name, as a test reads them: the store of whichever task (or
 * the global task) has it, checked to be of the kind asked for. Timestamped stores (the DSL's)
 * are seen through facades with plain values unless asked for as timestamped, as in Kafka Streams.
 */
export class DriverStores {
  readonly #tasks: ReadonlyArray<StreamTask>
  readonly #global: GlobalStateTask | undefined
  /** Each store's builder: whether it is timestamped is known from the builder. */
  readonly #builders = new Map<string, StoreBuilder>()

  constructor(compiled: CompiledTopology, tasks: ReadonlyArray<StreamTask>, global: GlobalStateTask | undefined) {
    this.#tasks = tasks
    this.#global = global
    for (const s of compiled.subtopologies) for (const store of s.stores) this.#builders.set(store.name, store.builder)
    for (const g of compiled.globalStores) this.#builders.set(g.storeName, g.builder)
  }

  get<S extends StateStore>(name: string): S {
    const store = this.#find(name)
    if (store === undefined) {
      const names = [...this.all().keys()].map((n) => `"${n}"`).join(', ')
      throw new Error(`No state store named "${name}" in this topology (stores: ${names || 'none'})`)
    }
    return store as S
  }

  keyValue<K, V>(name: string): KeyValueStore<K, V> {
    const store = this.get<KeyValueStore<K, V>>(name)
    const builder = this.#builders.get(name)
    if (builder !== undefined && isTimestampedBuilder(builder)) {
      return new KeyValueStoreFacade(store as unknown as TimestampedKeyValueStore<K, V>)
    }
    return store
  }

  window<K, V>(name: string): WindowStore<K, V> {
    const store = this.timestampedWindow<K, V>(name)
    const builder = this.#builders.get(name)
    if (builder !== undefined && isTimestampedWindowBuilder(builder)) return new WindowStoreFacade(store)
    return store as unknown as WindowStore<K, V>
  }

  timestampedWindow<K, V>(name: string): TimestampedWindowStore<K, V> {
    const store = this.get(name)
    if (!isWindowStore(store)) throw new Error(`State store "${name}" is not a window store`)
    return store as TimestampedWindowStore<K, V>
  }

  session<K, AGG>(name: string): SessionStore<K, AGG> {
    const store = this.get(name)
    if (!isSessionStore(store)) throw new Error(`State store "${name}" is not a session store`)
    return store as SessionStore<K, AGG>
  }

  all(): Map<string, StateStore> {
    const all = new Map<string, StateStore>()
    for (const task of this.#tasks) for (const [name, store] of task.stateManager.stores) all.set(name, store)
    if (this.#global) for (const [name, store] of this.#global.stores) all.set(name, store)
    return all
  }

  #find(name: string): StateStore | undefined {
    for (const task of this.#tasks) {
      const store = task.store(name)
      if (store !== undefined) return store
    }
    return this.#global?.stores.get(name)
  }
}
