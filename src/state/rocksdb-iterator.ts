import { AbstractKeyValueIterator } from './key-value-iterator.ts'
import { rocksdbBinding, type IteratorHandle } from './rocksdb-binding.ts'
import type { KeyValue } from './store.ts'

const FIRST_CHUNK = 32
const NEXT_CHUNK = 1024

/** Reads a native iterator in chunks: a small first chunk (most scans are short), then larger ones. */
export class RocksDBIterator extends AbstractKeyValueIterator<Buffer, Buffer> {
  #handle: IteratorHandle | null
  readonly #registry: Set<RocksDBIterator>
  #rows: Buffer[] = []
  #position = 0
  #finished = false
  #first = true

  constructor(handle: IteratorHandle, registry: Set<RocksDBIterator>) {
    super()
    this.#handle = handle
    this.#registry = registry
  }

  protected advance(): KeyValue<Buffer, Buffer> | undefined {
    if (this.#position >= this.#rows.length) {
      if (this.#finished || this.#handle === null) return undefined
      const { rows, finished } = rocksdbBinding().iterator_nextv_sync(this.#handle, this.#first ? FIRST_CHUNK : NEXT_CHUNK)
      this.#first = false
      this.#rows = rows
      this.#position = 0
      this.#finished = finished
      if (rows.length === 0) return undefined
    }
    const key = this.#rows[this.#position++]!
    const value = this.#rows[this.#position++]!
    return { key, value }
  }

  protected release(): void {
    this.#registry.delete(this)
    this.#rows = []
    if (this.#handle !== null) {
      rocksdbBinding().iterator_close(this.#handle)
      this.#handle = null
    }
  }
}
