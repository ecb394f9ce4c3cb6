/**
 * Items keyed by a time, popped in time order (a binary min-heap of distinct times, each with
 * its items in insertion order). Emit-on-window-close keeps the windows still to be emitted here,
 * keyed by the close time at which each becomes final, so emitting is a pop rather than a scan
 * of the store.
 */
export class TimeIndex<T> {
  readonly #heap: number[] = []
  readonly #items = new Map<number, T[]>()
  #size = 0

  get size(): number {
    return this.#size
  }

  add(time: number, item: T): void {
    const items = this.#items.get(time)
    this.#size++
    if (items !== undefined) {
      items.push(item)
      return
    }
    this.#items.set(time, [item])
    const heap = this.#heap
    heap.push(time)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (heap[parent]! <= time) break
      heap[i] = heap[parent]!
      i = parent
    }
    heap[i] = time
  }

  /** The smallest time held, or undefined when empty. */
  peek(): number | undefined {
    return this.#heap[0]
  }

  /** Removes and returns the items of the smallest time if it is `<= until`, else undefined. */
  popUntil(until: number): T[] | undefined {
    const heap = this.#heap
    const top = heap[0]
    if (top === undefined || top > until) return undefined
    const last = heap.pop()!
    if (heap.length > 0) {
      let i = 0
      for (;;) {
        const left = 2 * i + 1
        if (left >= heap.length) break
        const right = left + 1
        const child = right < heap.length && heap[right]! < heap[left]! ? right : left
        if (heap[child]! >= last) break
        heap[i] = heap[child]!
        i = child
      }
      heap[i] = last
    }
    const items = this.#items.get(top)!
    this.#items.delete(top)
    this.#size -= items.length
    return items
  }

  clear(): void {
    this.#heap.length = 0
    this.#items.clear()
    this.#size = 0
  }
}
