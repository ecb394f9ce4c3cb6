import type { KeyValue, KeyValueStore, StateStore } from '../../state/store.ts'
import { isSelfUndoingStore } from '../../state/undo-recorder.ts'
import { StreamsError } from './errors.ts'

/** Marks an entry whose second slot is a compensation a self-undoing store recorded. */
const ACTION = Symbol('undo action')

/**
 * Why an undo log: when processing one record fails, the writes it already made to state stores
 * must not stay, or a skipped record (`continue`) would leave half of its effect behind, and a
 * failed one would leave the test driver's stores half-updated. Stores make writes durable only at
 * commit, but a task commits many records at once, so "no commit" alone cannot take back one
 * record. Instead the task records each store write's previous value while a record is processed
 * and, if the record fails, writes the previous values back in reverse order — through the whole
 * store stack, so the changelog also receives the compensating records and a restore gives the
 * same state. On success the log is simply cleared: the cost is one `get` per write and nothing
 * for stateless processing. The task turns it on when a record may be skipped (`continue`) or
 * its stores inspected after a failure (the test driver), and always for persistent stores: a
 * RocksDB store may have written part of the failed record's writes to its files already (range
 * reads and large batches flush early, and closing flushes), which a dirty close cannot take back.
 * Under plain `fail` in-memory stores go without it: the failed task is closed dirty and they are
 * rebuilt from their changelogs.
 *
 * Records already forwarded to sinks before the failure are not taken back (as in Kafka Streams
 * under at-least-once); under exactly-once the failed task's transaction is aborted instead.
 */
export class UndoLog {
  /** Flat triples: store, key, previous value (undefined = absent); or ACTION, compensation, store. */
  #entries: unknown[] = []

  record(store: KeyValueStore<unknown, unknown>, key: unknown, previous: unknown): void {
    this.#entries.push(store, key, previous)
  }

  /** A write's compensation reported by a self-undoing store (window, session, buffer stores). */
  recordAction(store: StateStore, undo: () => void): void {
    this.#entries.push(ACTION, undo, store)
  }

  get isEmpty(): boolean {
    return this.#entries.length === 0
  }

  clear(): void {
    if (this.#entries.length !== 0) this.#entries = []
  }

  rollback(): void {
    const entries = this.#entries
    this.#entries = []
    for (let i = entries.length - 3; i >= 0; i -= 3) {
      if (entries[i] === ACTION) {
        const store = entries[i + 2] as StateStore
        try {
          ;(entries[i + 1] as () => void)()
        } catch (error) {
          throw new StreamsError(`Could not undo a partial write to state store "${store.name}"`, { cause: error })
        }
        continue
      }
      const store = entries[i] as KeyValueStore<unknown, unknown>
      const key = entries[i + 1]
      const previous = entries[i + 2]
      try {
        if (previous === undefined) store.delete(key)
        else store.put(key, previous)
      } catch (error) {
        throw new StreamsError(`Could not undo a partial write to state store "${store.name}"`, { cause: error })
      }
    }
  }
}

function isKeyValueStore(store: StateStore): store is KeyValueStore<unknown, unknown> {
  const s = store as Partial<KeyValueStore<unknown, unknown>>
  return typeof s.get === 'function' && typeof s.put === 'function' && typeof s.putIfAbsent === 'function' && typeof s.delete === 'function'
}

/**
 * The store a processor sees: every method of `store` bound to it, with the key-value writes
 * recording their previous values in `log`. Built once per store and task. Window, session and
 * suppression-buffer stores undo themselves: they get a recorder and are returned as they are.
 */
export function undoable<S extends StateStore>(store: S, log: UndoLog): S {
  if (isSelfUndoingStore(store)) {
    store.setUndoRecorder((undo) => log.recordAction(store, undo))
    return store
  }
  if (!isKeyValueStore(store)) return store
  const inner = store
  const view: { [key: string | symbol]: unknown } = {}
  for (let proto: object | null = store; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Reflect.ownKeys(proto)) {
      if (name === 'constructor' || Object.prototype.hasOwnProperty.call(view, name)) continue
      const descriptor = Object.getOwnPropertyDescriptor(proto, name)!
      if (typeof descriptor.value === 'function') {
        view[name] = (descriptor.value as (...args: unknown[]) => unknown).bind(store)
      } else {
        Object.defineProperty(view, name, { get: () => (store as unknown as { [k: string | symbol]: unknown })[name], enumerable: true })
      }
    }
  }
  view['put'] = (key: unknown, value: unknown): void => {
    log.record(inner, key, inner.get(key))
    inner.put(key, value)
  }
  view['putIfAbsent'] = (key: unknown, value: unknown): unknown => {
    const previous = inner.putIfAbsent(key, value)
    if (previous === undefined) log.record(inner, key, undefined)
    return previous
  }
  view['putAll'] = (entries: ReadonlyArray<KeyValue<unknown, unknown>>): void => {
    for (const entry of entries) {
      const previous = inner.get(entry.key)
      log.record(inner, entry.key, previous)
    }
    inner.putAll(entries)
  }
  view['delete'] = (key: unknown): unknown => {
    const previous = inner.delete(key)
    if (previous !== undefined) log.record(inner, key, previous)
    return previous
  }
  return view as unknown as S
}
