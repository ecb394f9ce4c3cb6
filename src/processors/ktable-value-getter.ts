import type { TimestampedKeyValueStore, ValueAndTimestamp } from '../state/store.ts'
import type { Predicate, ValueMapper } from './functions.ts'
import type { ProcessorContext } from './processor.ts'

/**
 * Reads a table's current row at a processor (Kafka's `KTableValueGetter`): a join looks up the
 * other side through it. `init` runs in the reading processor's `init`, so the stores it opens
 * must be connected to that processor (see `storeNames`).
 */
export interface KTableValueGetter<K, V> {
  init(context: ProcessorContext<any, any>): void
  /** The row and the timestamp of the update that wrote it; undefined when absent. */
  get(key: K): ValueAndTimestamp<V> | undefined
}

/**
 * Makes a getter per task (Kafka's `KTableValueGetterSupplier`). A stored table answers from its
 * store; a filter or mapValues that is not stored applies its function over its parent's getter,
 * so joining a table never forces it to be materialized.
 */
export interface KTableValueGetterSupplier<K, V> {
  get(): KTableValueGetter<K, V>
  /** The stores the getter reads: the reading processor must be connected to them. */
  storeNames(): ReadonlyArray<string>
}

/** The getter of a table held in a timestamped store (Kafka's `KTableSourceValueGetterSupplier`). */
export function storeValueGetterSupplier<K, V>(storeName: string): KTableValueGetterSupplier<K, V> {
  return {
    storeNames: () => [storeName],
    get: () => {
      let store: TimestampedKeyValueStore<K, V>
      return {
        init(context) {
          store = context.getStateStore<TimestampedKeyValueStore<K, V>>(storeName)
        },
        get: (key) => (key === null || key === undefined ? undefined : store.get(key)),
      }
    },
  }
}

/** A non-stored `filter`/`filterNot`: rows the predicate rejects read as absent. */
export function filterValueGetterSupplier<K, V>(
  parent: KTableValueGetterSupplier<K, V>,
  predicate: Predicate<K, V>,
  not: boolean,
): KTableValueGetterSupplier<K, V> {
  return {
    storeNames: () => parent.storeNames(),
    get: () => {
      const getter = parent.get()
      return {
        init: (context) => getter.init(context),
        get(key) {
          const row = getter.get(key)
          return row !== undefined && predicate(key, row.value) !== not ? row : undefined
        },
      }
    },
  }
}

/** A non-stored `mapValues`: the parent's row mapped, keeping its timestamp. */
export function mapValuesValueGetterSupplier<K, V, VR>(
  parent: KTableValueGetterSupplier<K, V>,
  mapper: ValueMapper<V, VR, K>,
): KTableValueGetterSupplier<K, VR> {
  return {
    storeNames: () => parent.storeNames(),
    get: () => {
      const getter = parent.get()
      return {
        init: (context) => getter.init(context),
        get(key) {
          const row = getter.get(key)
          return row === undefined ? undefined : { value: mapper(row.value, key), timestamp: row.timestamp }
        },
      }
    },
  }
}
