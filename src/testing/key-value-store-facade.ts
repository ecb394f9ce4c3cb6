import type { KeyValue, KeyValueIterator, KeyValueStore, StateStoreContext, TimestampedKeyValueStore } from '../state/store.ts'

/** Kafka's `ConsumerRecord.NO_TIMESTAMP`, written by facade puts as Kafka's facade does. */
const NO_TIMESTAMP = -1

/**
 * A timestamped store seen as a plain key-value store (Kafka's `KeyValueStoreFacade`): the test
 * driver's `getKeyValueStore` on a DSL aggregate's store returns plain values, not
 * `ValueAndTimestamp`s.
 */
export class KeyValueStoreFacade<K, V> implements KeyValueStore<K, V> {
  readonly #inner: TimestampedKeyValueStore<K, V>

  constructor(inner: TimestampedKeyValueStore<K, V>) {
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

  get(key: K): V | undefined {
    return this.#inner.get(key)?.value
  }

  range(from: K | undefined, to: K | undefined): KeyValueIterator<K, V> {
    return unwrap(this.#inner.range(from, to))
  }

  reverseRange(from: K | undefined, to: K | undefined): KeyValueIterator<K, V> {
    return unwrap(this.#inner.reverseRange(from, to))
  }

  all(): KeyValueIterator<K, V> {
    return unwrap(this.#inner.all())
  }

  reverseAll(): KeyValueIterator<K, V> {
    return unwrap(this.#inner.reverseAll())
  }

  prefixScan<P>(prefix: P, prefixSerializer: { serialize(topic: string, value: P): Buffer }): KeyValueIterator<K, V> {
    return unwrap(this.#inner.prefixScan(prefix, prefixSerializer))
  }

  approximateNumEntries(): number {
    return this.#inner.approximateNumEntries()
  }

  put(key: K, value: V | null): void {
    this.#inner.put(key, value === null ? null : { value, timestamp: NO_TIMESTAMP })
  }

  putIfAbsent(key: K, value: V): V | undefined {
    return this.#inner.putIfAbsent(key, { value, timestamp: NO_TIMESTAMP })?.value
  }

  putAll(entries: ReadonlyArray<KeyValue<K, V | null>>): void {
    this.#inner.putAll(entries.map(({ key, value }) => ({ key, value: value === null ? null : { value, timestamp: NO_TIMESTAMP } })))
  }

  delete(key: K): V | undefined {
    return this.#inner.delete(key)?.value
  }
}

function unwrap<K, V>(inner: KeyValueIterator<K, { readonly value: V }>): KeyValueIterator<K, V> {
  const iterator: KeyValueIterator<K, V> = {
    next(): IteratorResult<KeyValue<K, V>> {
      const n = inner.next()
      return n.done === true ? { done: true, value: undefined } : { done: false, value: { key: n.value.key, value: n.value.value.value } }
    },
    [Symbol.iterator]: () => iterator,
    [Symbol.dispose]: () => inner.close(),
    close: () => inner.close(),
  }
  return iterator
}
