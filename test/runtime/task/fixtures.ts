import type {
  KeyValue,
  KeyValueIterator,
  KeyValueStore,
  StateStoreContext,
  StoreBuilder,
} from '../../../src/state/store.ts'

/**
 * A typed, Map-backed key-value store with JSON changelogging, standing in for the state
 * engineer's stores: the engine only needs the StateStore/KeyValueStore contract.
 */
export class MapStore<K, V> implements KeyValueStore<K, V> {
  readonly name: string
  readonly persistent: boolean = false
  readonly map = new Map<K, V>()
  readonly logging: boolean
  context: StateStoreContext | undefined
  flushes = 0
  #open = false

  constructor(name: string, logging: boolean) {
    this.name = name
    this.logging = logging
  }

  init(context: StateStoreContext): void {
    this.context = context
    this.#open = true
    context.register(this, (batch) => {
      for (const r of batch) {
        const key = JSON.parse(r.key.toString()) as K
        if (r.value === null) this.map.delete(key)
        else this.map.set(key, JSON.parse(r.value.toString()) as V)
      }
    })
  }

  flush(): void {
    this.flushes++
  }

  close(): void {
    this.#open = false
  }

  isOpen(): boolean {
    return this.#open
  }

  get(key: K): V | undefined {
    return this.map.get(key)
  }

  put(key: K, value: V | null): void {
    if (value === null) this.map.delete(key)
    else this.map.set(key, value)
    this.#log(key, value)
  }

  putIfAbsent(key: K, value: V): V | undefined {
    const existing = this.map.get(key)
    if (existing === undefined) this.put(key, value)
    return existing
  }

  putAll(entries: ReadonlyArray<KeyValue<K, V | null>>): void {
    for (const e of entries) this.put(e.key, e.value)
  }

  delete(key: K): V | undefined {
    const existing = this.map.get(key)
    if (existing !== undefined) this.put(key, null)
    return existing
  }

  range(): KeyValueIterator<K, V> {
    return this.all()
  }

  reverseRange(): KeyValueIterator<K, V> {
    return this.all()
  }

  all(): KeyValueIterator<K, V> {
    const entries = [...this.map].sort(([a], [b]) => (String(a) < String(b) ? -1 : 1)).map(([key, value]) => ({ key, value }))
    const it = entries[Symbol.iterator]()
    const iterator: KeyValueIterator<K, V> = {
      next: () => it.next(),
      [Symbol.iterator]: () => iterator,
      [Symbol.dispose]: () => {},
      close: () => {},
    }
    return iterator
  }

  reverseAll(): KeyValueIterator<K, V> {
    return this.all()
  }

  prefixScan(): KeyValueIterator<K, V> {
    return this.all()
  }

  approximateNumEntries(): number {
    return this.map.size
  }

  #log(key: K, value: V | null): void {
    if (!this.logging || this.context === undefined) return
    this.context.logChange(
      this.name,
      Buffer.from(JSON.stringify(key)),
      value === null ? null : Buffer.from(JSON.stringify(value)),
      this.context.currentTimestamp(),
    )
  }
}

export function mapStoreBuilder<K = string, V = number>(name: string, logging = true): StoreBuilder<MapStore<K, V>> & { built: MapStore<K, V>[] } {
  const built: MapStore<K, V>[] = []
  const make = (log: boolean, config: { readonly [key: string]: string } = {}): StoreBuilder<MapStore<K, V>> & { built: MapStore<K, V>[] } => ({
    name,
    loggingEnabled: log,
    logConfig: config,
    cachingEnabled: false,
    built,
    withLoggingEnabled: (c = {}) => make(true, c),
    withLoggingDisabled: () => make(false),
    withCachingEnabled: () => make(log, config),
    withCachingDisabled: () => make(log, config),
    build: () => {
      const store = new MapStore<K, V>(name, log)
      built.push(store)
      return store
    },
  })
  return make(logging)
}
