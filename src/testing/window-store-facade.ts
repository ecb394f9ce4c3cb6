import { MappedKeyValueIterator } from '../state/key-value-iterator.ts'
import type { KeyValueIterator, StateStoreContext } from '../state/store.ts'
import type { TimestampedWindowStore, WindowStore, WindowStoreIterator } from '../state/window-store.ts'
import type { Windowed } from '../state/windowed.ts'

/** Kafka's `ConsumerRecord.NO_TIMESTAMP`, written by facade puts as Kafka's facade does. */
const NO_TIMESTAMP = -1

/**
 * A timestamped window store seen as a plain window store (Kafka's `WindowStoreFacade`): the
 * test driver's `getWindowStore` on a DSL windowed aggregation's store returns plain aggregates.
 */
export class WindowStoreFacade<K, V> implements WindowStore<K, V> {
  readonly #inner: TimestampedWindowStore<K, V>

  constructor(inner: TimestampedWindowStore<K, V>) {
    this.#inner = inner
  }

  get name(): string {
    return this.#inner.name
  }

  get persistent(): boolean {
    return this.#inner.persistent
  }

  init(context: StateStoreContext): void {
    this.#inner.init(context)
  }

  flush(): void {
    this.#inner.flush()
  }

  close(): void {
    this.#inner.close()
  }

  isOpen(): boolean {
    return this.#inner.isOpen()
  }

  put(key: K, value: V | null, windowStartTimestamp: number): void {
    this.#inner.put(key, value === null ? null : { value, timestamp: NO_TIMESTAMP }, windowStartTimestamp)
  }

  fetch(key: K, windowStart: number): V | undefined
  fetch(key: K, timeFrom: number, timeTo: number): WindowStoreIterator<V>
  fetch(key: K, timeFrom: number, timeTo?: number): V | undefined | WindowStoreIterator<V> {
    if (timeTo === undefined) return this.#inner.fetch(key, timeFrom)?.value
    return plain(this.#inner.fetch(key, timeFrom, timeTo))
  }

  backwardFetch(key: K, timeFrom: number, timeTo: number): WindowStoreIterator<V> {
    return plain(this.#inner.backwardFetch(key, timeFrom, timeTo))
  }

  fetchRange(keyFrom: K | undefined, keyTo: K | undefined, timeFrom: number, timeTo: number): KeyValueIterator<Windowed<K>, V> {
    return plain(this.#inner.fetchRange(keyFrom, keyTo, timeFrom, timeTo))
  }

  backwardFetchRange(keyFrom: K | undefined, keyTo: K | undefined, timeFrom: number, timeTo: number): KeyValueIterator<Windowed<K>, V> {
    return plain(this.#inner.backwardFetchRange(keyFrom, keyTo, timeFrom, timeTo))
  }

  fetchAll(timeFrom: number, timeTo: number): KeyValueIterator<Windowed<K>, V> {
    return plain(this.#inner.fetchAll(timeFrom, timeTo))
  }

  backwardFetchAll(timeFrom: number, timeTo: number): KeyValueIterator<Windowed<K>, V> {
    return plain(this.#inner.backwardFetchAll(timeFrom, timeTo))
  }

  all(): KeyValueIterator<Windowed<K>, V> {
    return plain(this.#inner.all())
  }

  backwardAll(): KeyValueIterator<Windowed<K>, V> {
    return plain(this.#inner.backwardAll())
  }
}

function plain<K, V>(inner: KeyValueIterator<K, { readonly value: V }>): KeyValueIterator<K, V> {
  return new MappedKeyValueIterator(inner, ({ key, value }) => ({ key, value: value.value }))
}
