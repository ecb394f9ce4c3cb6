import type { SessionStore } from '../state/session-store.ts'
import type { StateStore, TimestampedKeyValueStore, ValueAndTimestamp } from '../state/store.ts'
import { isWindowStore, type TimestampedWindowStore } from '../state/window-store.ts'
import type { Windowed } from '../state/windowed.ts'
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

/**
 * The getter of a table held in a store (Kafka's `KTableSourceValueGetterSupplier`, and the views
 * of windowed aggregations): a timestamped key-value store, or for a windowed table the window
 * store (`Windowed<K>` keys, found by key and window start) or session store (found by key and
 * session bounds; the row's timestamp is the session end, as in Kafka).
 */
export function storeValueGetterSupplier<K, V>(storeName: string): KTableValueGetterSupplier<K, V> {
  return {
    storeNames: () => [storeName],
    get: () => {
      let read: (key: K) => ValueAndTimestamp<V> | undefined
      return {
        init(context) {
          read = readerOf<K, V>(context.getStateStore(storeName))
        },
        get: (key) => (key === null || key === undefined ? undefined : read(key)),
      }
    },
  }
}

function readerOf<K, V>(store: StateStore): (key: K) => ValueAndTimestamp<V> | undefined {
  if (isWindowStore(store)) {
    const windows = store as TimestampedWindowStore<unknown, V>
    return (key) => {
      const w = key as Windowed<unknown>
      return windows.fetch(w.key, w.window.start)
    }
  }
  if (typeof (store as Partial<SessionStore<unknown, V>>).fetchSession === 'function') {
    const sessions = store as SessionStore<unknown, V>
    return (key) => {
      const w = key as Windowed<unknown>
      const value = sessions.fetchSession(w.key, w.window.start, w.window.end)
      return value === undefined ? undefined : { value, timestamp: w.window.end }
    }
  }
  const rows = store as TimestampedKeyValueStore<K, V>
  return (key) => rows.get(key)
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
