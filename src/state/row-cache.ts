/**
 * A bounded cache of rows known to match a database (a value, or null for a known-absent key),
 * in two generations: when the young one holds half the capacity it becomes the old one and the
 * previous old one is dropped. Approximately LRU at O(1) per row, with no per-hit bookkeeping
 * and no Map iteration (iterating a Map from the front after many deletes is quadratic in V8).
 */
export class RowCache {
  readonly capacity: number
  #young = new Map<string, Buffer | null>()
  #old = new Map<string, Buffer | null>()

  constructor(capacity: number) {
    this.capacity = capacity
  }

  get enabled(): boolean {
    return this.capacity > 0
  }

  get size(): number {
    return this.#young.size + this.#old.size
  }

  /** The cached row: a Buffer, null when known absent, undefined when not cached. */
  get(k: string): Buffer | null | undefined {
    const young = this.#young.get(k)
    if (young !== undefined) return young
    const old = this.#old.get(k)
    if (old !== undefined) this.set(k, old)
    return old
  }

  set(k: string, value: Buffer | null): void {
    if (this.capacity <= 0) return
    this.#young.set(k, value)
    if (this.#young.size * 2 >= this.capacity) {
      this.#old = this.#young
      this.#young = new Map()
    }
  }

  delete(k: string): void {
    this.#young.delete(k)
    this.#old.delete(k)
  }

  clear(): void {
    this.#young.clear()
    this.#old.clear()
  }
}
