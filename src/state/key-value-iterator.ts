import type { KeyValue, KeyValueIterator } from './store.ts'

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined })

/**
 * Base of every store iterator: subclasses supply `advance()` and `release()`; this class makes
 * `for...of` (including `break`, which calls `return()`), `using` and `close()` all release the
 * native or snapshot resources exactly once. An exhausted iterator closes itself.
 */
export abstract class AbstractKeyValueIterator<K, V> implements KeyValueIterator<K, V> {
  #closed = false

  /** The next entry, or undefined when exhausted. Never called after close. */
  protected abstract advance(): KeyValue<K, V> | undefined
  /** Frees resources; called once. */
  protected abstract release(): void

  next(): IteratorResult<KeyValue<K, V>, undefined> {
    if (this.#closed) return DONE
    const entry = this.advance()
    if (entry === undefined) {
      this.close()
      return DONE
    }
    return { done: false, value: entry }
  }

  return(): IteratorResult<KeyValue<K, V>, undefined> {
    this.close()
    return DONE
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.release()
  }

  get closed(): boolean {
    return this.#closed
  }

  [Symbol.iterator](): this {
    return this
  }

  [Symbol.dispose](): void {
    this.close()
  }
}

/** An iterator over entries already in memory. */
export class ArrayKeyValueIterator<K, V> extends AbstractKeyValueIterator<K, V> {
  #entries: ReadonlyArray<KeyValue<K, V>>
  #index = 0

  constructor(entries: ReadonlyArray<KeyValue<K, V>>) {
    super()
    this.#entries = entries
  }

  protected advance(): KeyValue<K, V> | undefined {
    return this.#entries[this.#index++]
  }

  protected release(): void {
    this.#entries = []
  }
}

export function emptyIterator<K, V>(): KeyValueIterator<K, V> {
  return new ArrayKeyValueIterator<K, V>([])
}

/** Converts another iterator's entries lazily (the metered layer deserializes through it). */
export class MappedKeyValueIterator<K1, V1, K2, V2> extends AbstractKeyValueIterator<K2, V2> {
  readonly #inner: KeyValueIterator<K1, V1>
  readonly #map: (entry: KeyValue<K1, V1>) => KeyValue<K2, V2>

  constructor(inner: KeyValueIterator<K1, V1>, map: (entry: KeyValue<K1, V1>) => KeyValue<K2, V2>) {
    super()
    this.#inner = inner
    this.#map = map
  }

  protected advance(): KeyValue<K2, V2> | undefined {
    const result = this.#inner.next()
    return result.done === true ? undefined : this.#map(result.value)
  }

  protected release(): void {
    this.#inner.close()
  }
}
