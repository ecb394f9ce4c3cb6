import { KeyValueStoreBuilder } from '../state/key-value-store-builder.ts'
import type { KeyValue, KeyValueIterator, ReadOnlyKeyValueStore, StateStore, StoreBuilder } from '../state/store.ts'
import type { CompiledTopology } from '../topology/compile.ts'
import { IllegalStateError } from './errors.ts'

/**
 * The interactive-query view of store `name` of `topology`: `plain` shows plain values even for a
 * timestamped (DSL) store, as Kafka's `QueryableStoreTypes.keyValueStore()` does; `timestamped`
 * shows `ValueAndTimestamp`s and is only for timestamped stores.
 */
export function queryableStore<K, V>(
  topology: CompiledTopology,
  name: string,
  view: 'plain' | 'timestamped',
  stores: () => ReadonlyArray<StateStore>,
): ReadOnlyKeyValueStore<K, V> {
  let builder: StoreBuilder | undefined
  for (const s of topology.subtopologies) for (const st of s.stores) if (st.name === name) builder = st.builder
  builder ??= topology.globalStores.find((g) => g.storeName === name)?.builder
  if (builder === undefined) throw new IllegalStateError(`No state store named "${name}" in this topology`)
  const timestamped = builder instanceof KeyValueStoreBuilder && builder.timestamped
  if (view === 'timestamped' && !timestamped) throw new IllegalStateError(`State store "${name}" is not a timestamped key-value store`)
  return new CompositeReadOnlyKeyValueStore<K, V>(name, stores, { unwrapTimestamps: view === 'plain' && timestamped })
}

/**
 * The interactive-query view of one store across this instance's tasks (Kafka Streams'
 * `CompositeReadOnlyKeyValueStore`): reads only, each task's store in turn. Keys of a store are
 * partitioned across tasks, so a key lives in at most one of them; iterators are ordered within a
 * task, not across tasks (as in Kafka Streams). Asked for a store no running task has, or while
 * the instance is not running, the calls throw.
 */
export class CompositeReadOnlyKeyValueStore<K, V> implements ReadOnlyKeyValueStore<K, V> {
  readonly #name: string
  readonly #stores: () => ReadonlyArray<StateStore>
  readonly #unwrap: boolean

  /**
   * `unwrapTimestamps`: the stores hold `ValueAndTimestamp`s (DSL tables) and the view shows
   * plain values, as Kafka's `QueryableStoreTypes.keyValueStore()` facade does.
   */
  constructor(name: string, stores: () => ReadonlyArray<StateStore>, options: { readonly unwrapTimestamps?: boolean } = {}) {
    this.#name = name
    this.#stores = stores
    this.#unwrap = options.unwrapTimestamps === true
  }

  get(key: K): V | undefined {
    for (const s of this.#kv()) {
      const value = s.get(key)
      if (value !== undefined) return this.#unwrap ? (value as { value: V }).value : value
    }
    return undefined
  }

  range(from: K | undefined, to: K | undefined): KeyValueIterator<K, V> {
    return this.#chain((s) => s.range(from, to))
  }

  reverseRange(from: K | undefined, to: K | undefined): KeyValueIterator<K, V> {
    return this.#chain((s) => s.reverseRange(from, to))
  }

  all(): KeyValueIterator<K, V> {
    return this.#chain((s) => s.all())
  }

  reverseAll(): KeyValueIterator<K, V> {
    return this.#chain((s) => s.reverseAll())
  }

  prefixScan<P>(prefix: P, prefixSerializer: { serialize(topic: string, value: P): Buffer }): KeyValueIterator<K, V> {
    return this.#chain((s) => s.prefixScan(prefix, prefixSerializer))
  }

  #chain(open: (store: ReadOnlyKeyValueStore<K, V>) => KeyValueIterator<K, V>): KeyValueIterator<K, V> {
    return chain(this.#kv().map((s) => () => open(s)), this.#unwrap)
  }

  approximateNumEntries(): number {
    let n = 0
    for (const s of this.#kv()) n += s.approximateNumEntries()
    return n
  }

  #kv(): ReadOnlyKeyValueStore<K, V>[] {
    const stores = this.#stores()
    if (stores.length === 0) {
      throw new IllegalStateError(`State store "${this.#name}" is not available on this instance (no running task has it, or the instance is not running)`)
    }
    return stores as unknown as ReadOnlyKeyValueStore<K, V>[]
  }
}

/** Iterates the given iterators one after the other, opening each only when reached. */
function chain<K, V>(factories: ReadonlyArray<() => KeyValueIterator<K, V>>, unwrap: boolean): KeyValueIterator<K, V> {
  let index = 0
  let current: KeyValueIterator<K, V> | undefined
  const close = (): void => {
    current?.close()
    current = undefined
    index = factories.length
  }
  const iterator: KeyValueIterator<K, V> = {
    next(): IteratorResult<KeyValue<K, V>> {
      for (;;) {
        if (current === undefined) {
          if (index >= factories.length) return { done: true, value: undefined }
          current = factories[index++]!()
        }
        const result = current.next()
        if (result.done !== true) {
          if (!unwrap) return result
          return { done: false, value: { key: result.value.key, value: (result.value.value as { value: V }).value } }
        }
        current.close()
        current = undefined
      }
    },
    return(): IteratorResult<KeyValue<K, V>> {
      close()
      return { done: true, value: undefined }
    },
    close,
    [Symbol.iterator]() {
      return iterator
    },
    [Symbol.dispose]: close,
  }
  return iterator
}
