import type { Serde } from '../serdes/serde.ts'
import { CachingKeyValueStore } from './caching-key-value-store.ts'
import { ChangeLoggingKeyValueStore } from './change-logging-key-value-store.ts'
import { ChangeLoggingTimestampedKeyValueStore } from './change-logging-timestamped-key-value-store.ts'
import { MeteredKeyValueStore } from './metered-key-value-store.ts'
import type { KeyValueBytesStore, StoreBuilder, ValueAndTimestamp } from './store.ts'
import { ValueAndTimestampSerde } from './value-and-timestamp.ts'

/** Makes one bytes store per call (Kafka's `KeyValueBytesStoreSupplier`). */
export interface KeyValueBytesStoreSupplier {
  readonly name: string
  /** `in-memory` or `rocksdb`, as Kafka's metrics scopes. */
  readonly metricsScope: string
  get(): KeyValueBytesStore
}

/**
 * Builds `metered(caching?(changelogging?(inner)))` (Kafka's `KeyValueStoreBuilder`), one
 * instance per task. Logging is on by default, caching off; the `with*` methods return this.
 */
export class KeyValueStoreBuilder<K, V> implements StoreBuilder<MeteredKeyValueStore<K, V>> {
  readonly supplier: KeyValueBytesStoreSupplier
  readonly keySerde: Serde<K>
  readonly valueSerde: Serde<V>
  /** Timestamped stores log the plain value with the stored timestamp, as Kafka does. */
  readonly timestamped: boolean
  #loggingEnabled = true
  #logConfig: { readonly [key: string]: string } = {}
  #cachingEnabled = false

  constructor(supplier: KeyValueBytesStoreSupplier, keySerde: Serde<K>, valueSerde: Serde<V>, timestamped = false) {
    this.supplier = supplier
    this.keySerde = keySerde
    this.valueSerde = valueSerde
    this.timestamped = timestamped
  }

  get name(): string {
    return this.supplier.name
  }

  get loggingEnabled(): boolean {
    return this.#loggingEnabled
  }

  get logConfig(): { readonly [key: string]: string } {
    return this.#logConfig
  }

  get cachingEnabled(): boolean {
    return this.#cachingEnabled
  }

  withLoggingEnabled(config: { readonly [key: string]: string } = {}): this {
    this.#loggingEnabled = true
    this.#logConfig = Object.freeze({ ...config })
    return this
  }

  withLoggingDisabled(): this {
    this.#loggingEnabled = false
    this.#logConfig = {}
    return this
  }

  withCachingEnabled(): this {
    this.#cachingEnabled = true
    return this
  }

  withCachingDisabled(): this {
    this.#cachingEnabled = false
    return this
  }

  build(): MeteredKeyValueStore<K, V> {
    let store = this.supplier.get()
    if (store.name !== this.name) {
      throw new TypeError(`Store supplier ${this.name} returned a store named ${store.name}`)
    }
    if (this.#loggingEnabled) {
      store = this.timestamped ? new ChangeLoggingTimestampedKeyValueStore(store) : new ChangeLoggingKeyValueStore(store)
    }
    if (this.#cachingEnabled) store = new CachingKeyValueStore(store)
    return new MeteredKeyValueStore(store, this.keySerde, this.valueSerde, this.supplier.metricsScope)
  }
}

/** The builder of a `TimestampedKeyValueStore<K, V>`: values are stored as `ValueAndTimestamp<V>`. */
export function timestampedKeyValueStoreBuilder<K, V>(
  supplier: KeyValueBytesStoreSupplier,
  keySerde: Serde<K>,
  valueSerde: Serde<V>,
): KeyValueStoreBuilder<K, ValueAndTimestamp<V>> {
  return new KeyValueStoreBuilder(supplier, keySerde, new ValueAndTimestampSerde(valueSerde), true)
}
