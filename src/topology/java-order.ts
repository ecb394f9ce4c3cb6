/**
 * Java collection iteration orders, emulated so that `describe()` prints exactly what Kafka
 * Streams' `TopologyDescription.toString()` prints for the same topology: Kafka builds the
 * description from `HashSet`s and `HashMap`s (hash-bucket order) and `TreeSet`s whose comparator
 * reads node sizes that change while the sets are filled (so the order depends on the tree's
 * shape at each insertion).
 */

/** Java's `String.hashCode()`. */
export function javaStringHash(s: string): number {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0
  return h
}

/** `HashMap.hash()`: spreads the high bits down. */
function spread(h: number): number {
  return h ^ (h >>> 16)
}

/** Table size of a `HashMap` grown one put at a time from the default capacity. */
export function grownCapacity(size: number): number {
  let capacity = 16
  while (size > capacity * 0.75) capacity *= 2
  return capacity
}

/** Table size of `new HashSet<>(collection)`: `max(size / .75f + 1, 16)` rounded up to a power of 2. */
export function copiedCapacity(size: number): number {
  const wanted = Math.max(Math.floor(size / 0.75) + 1, 16)
  let capacity = 1
  while (capacity < wanted) capacity *= 2
  return capacity
}

/**
 * Iteration order of a hash set/map holding `items` (in insertion order) in a table of
 * `capacity`: by bucket, and within a bucket by insertion (resizes keep that relative order).
 */
export function hashOrder(items: ReadonlyArray<string>, capacity = grownCapacity(items.length)): string[] {
  const unique = [...new Set(items)]
  return unique
    .map((item, i) => ({ item, i, bucket: spread(javaStringHash(item)) & (capacity - 1) }))
    .sort((a, b) => a.bucket - b.bucket || a.i - b.i)
    .map((e) => e.item)
}

/** `AbstractCollection.toString()` of `new HashSet<>(items)`, `items` in their iteration order. */
export function javaSetToString(items: ReadonlyArray<string>): string {
  return `[${hashOrder(items, copiedCapacity(new Set(items).size)).join(', ')}]`
}

interface Entry<T> {
  key: T
  left: Entry<T> | null
  right: Entry<T> | null
  parent: Entry<T> | null
  black: boolean
}

/**
 * `java.util.TreeSet` (a red-black `TreeMap`): the comparison happens at insertion, against the
 * tree's current shape, exactly as Java does, so an inconsistent comparator gives Java's order.
 */
export class JavaTreeSet<T> {
  #root: Entry<T> | null = null
  readonly #compare: (a: T, b: T) => number

  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare
  }

  add(key: T): void {
    let t = this.#root
    if (t === null) {
      this.#root = { key, left: null, right: null, parent: null, black: true }
      return
    }
    let parent: Entry<T>
    let cmp: number
    do {
      parent = t
      cmp = this.#compare(key, t.key)
      if (cmp < 0) t = t.left
      else if (cmp > 0) t = t.right
      else return
    } while (t !== null)
    const e: Entry<T> = { key, left: null, right: null, parent, black: false }
    if (cmp < 0) parent.left = e
    else parent.right = e
    this.#fixAfterInsertion(e)
  }

  values(): T[] {
    const out: T[] = []
    const walk = (e: Entry<T> | null): void => {
      if (e === null) return
      walk(e.left)
      out.push(e.key)
      walk(e.right)
    }
    walk(this.#root)
    return out
  }

  get size(): number {
    return this.values().length
  }

  #fixAfterInsertion(entry: Entry<T>): void {
    let x: Entry<T> | null = entry
    x.black = false
    while (x !== null && x !== this.#root && x.parent !== null && !x.parent.black) {
      const p: Entry<T> = x.parent
      const gp = p.parent
      if (p === gp?.left) {
        const y = gp.right
        if (y !== null && !y.black) {
          p.black = true
          y.black = true
          gp.black = false
          x = gp
        } else {
          if (x === p.right) {
            x = p
            this.#rotateLeft(x)
          }
          const xp = x.parent!
          xp.black = true
          if (xp.parent !== null) {
            xp.parent.black = false
            this.#rotateRight(xp.parent)
          }
        }
      } else {
        const y = gp?.left ?? null
        if (y !== null && !y.black) {
          p.black = true
          y.black = true
          gp!.black = false
          x = gp
        } else {
          if (x === p.left) {
            x = p
            this.#rotateRight(x)
          }
          const xp = x.parent!
          xp.black = true
          if (xp.parent !== null) {
            xp.parent.black = false
            this.#rotateLeft(xp.parent)
          }
        }
      }
    }
    this.#root!.black = true
  }

  #rotateLeft(p: Entry<T>): void {
    const r = p.right!
    p.right = r.left
    if (r.left !== null) r.left.parent = p
    r.parent = p.parent
    if (p.parent === null) this.#root = r
    else if (p.parent.left === p) p.parent.left = r
    else p.parent.right = r
    r.left = p
    p.parent = r
  }

  #rotateRight(p: Entry<T>): void {
    const l = p.left!
    p.left = l.right
    if (l.right !== null) l.right.parent = p
    l.parent = p.parent
    if (p.parent === null) this.#root = l
    else if (p.parent.right === p) p.parent.right = l
    else p.parent.left = l
    l.right = p
    p.parent = l
  }
}
