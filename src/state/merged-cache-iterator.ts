import { keyString } from './bytes.ts'
import { AbstractKeyValueIterator } from './key-value-iterator.ts'
import type { KeyValue, KeyValueIterator } from './store.ts'

/** A write held by the caching layer; `k` is the key's latin1 form, `value === null` a pending delete. */
export interface CachedWrite {
  readonly k: string
  readonly key: Buffer
  readonly value: Buffer | null
  readonly timestamp: number
}

/**
 * Merges sorted cached writes with the store below (Kafka's
 * `MergedSortedCacheKeyValueBytesStoreIterator`): on equal keys the cache wins, and a cached
 * delete hides the key. Both inputs are sorted in the same direction.
 */
export class MergedCacheIterator extends AbstractKeyValueIterator<Buffer, Buffer> {
  #cached: readonly CachedWrite[]
  #index = 0
  readonly #below: KeyValueIterator<Buffer, Buffer>
  readonly #reverse: boolean
  #head: KeyValue<Buffer, Buffer> | undefined
  #headKey: string | undefined
  /** Set by the owning store to forget the iterator once closed. */
  onClose: (() => void) | null = null

  constructor(cached: readonly CachedWrite[], below: KeyValueIterator<Buffer, Buffer>, reverse: boolean) {
    super()
    this.#cached = cached
    this.#below = below
    this.#reverse = reverse
    this.#pull()
  }

  protected advance(): KeyValue<Buffer, Buffer> | undefined {
    for (;;) {
      const cached = this.#cached[this.#index]
      const head = this.#head
      if (cached === undefined) {
        if (head === undefined) return undefined
        this.#pull()
        return head
      }
      if (head !== undefined) {
        const headKey = this.#headKey!
        const belowFirst = this.#reverse ? headKey > cached.k : headKey < cached.k
        if (belowFirst) {
          this.#pull()
          return head
        }
        if (headKey === cached.k) this.#pull()
      }
      this.#index++
      if (cached.value !== null) return { key: cached.key, value: cached.value }
    }
  }

  #pull(): void {
    const next = this.#below.next()
    if (next.done === true) {
      this.#head = undefined
      this.#headKey = undefined
    } else {
      this.#head = next.value
      this.#headKey = keyString(next.value.key)
    }
  }

  protected release(): void {
    this.#cached = []
    this.#below.close()
    this.onClose?.()
  }
}
