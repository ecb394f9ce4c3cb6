import type { Serde } from '../serdes/serde.ts'
import { ChangeLoggingSessionStore } from './change-logging-session-store.ts'
import { ChangeLoggingWindowStore } from './change-logging-window-store.ts'
import { MeteredSessionStore } from './metered-session-store.ts'
import { MeteredWindowStore } from './metered-window-store.ts'
import type { SessionBytesStore, SessionBytesStoreSupplier } from './session-store.ts'
import type { StateStore, StoreBuilder, ValueAndTimestamp } from './store.ts'
import { ValueAndTimestampSerde } from './value-and-timestamp.ts'
import type { WindowBytesStore, WindowBytesStoreSupplier } from './window-store.ts'

/** Kafka's `windowstore.changelog.additional.retention.ms` default: one day of slack for clock drift. */
export const CHANGELOG_ADDITIONAL_RETENTION_MS = 86_400_000

/**
 * Shared by window and session store builders: logging on by default with Kafka's windowed
 * changelog configs (`compact,delete`, retention = store retention + one day, so the broker drops
 * what the store dropped); no record cache for windowed stores yet, so asking for one is an error
 * rather than a silent no-op.
 */
abstract class WindowedStoreBuilder<S extends StateStore> implements StoreBuilder<S> {
  readonly name: string
  readonly retentionPeriod: number
  #loggingEnabled = true
  #logConfig: { readonly [key: string]: string } = {}

  constructor(name: string, retentionPeriod: number) {
    this.name = name
    this.retentionPeriod = retentionPeriod
  }

  get loggingEnabled(): boolean {
    return this.#loggingEnabled
  }

  get logConfig(): { readonly [key: string]: string } {
    if (!this.#loggingEnabled) return {}
    return {
      'cleanup.policy': 'compact,delete',
      'retention.ms': String(this.retentionPeriod + CHANGELOG_ADDITIONAL_RETENTION_MS),
      ...this.#logConfig,
    }
  }

  get cachingEnabled(): boolean {
    return false
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
    throw new TypeError(`Store ${this.name}: window and session stores have no record cache yet; leave caching disabled`)
  }

  withCachingDisabled(): this {
    return this
  }

  abstract build(): S
}

/** Builds `metered(changelogging?(window store))` (Kafka's `WindowStoreBuilder`), one per task. */
export class WindowStoreBuilder<K, V> extends WindowedStoreBuilder<MeteredWindowStore<K, V>> {
  readonly supplier: WindowBytesStoreSupplier
  readonly keySerde: Serde<K>
  readonly valueSerde: Serde<V>
  /** Timestamped stores log the plain value with the stored timestamp, as Kafka does. */
  readonly timestamped: boolean

  constructor(supplier: WindowBytesStoreSupplier, keySerde: Serde<K>, valueSerde: Serde<V>, timestamped = false) {
    super(supplier.name, supplier.retentionPeriod)
    this.supplier = supplier
    this.keySerde = keySerde
    this.valueSerde = valueSerde
    this.timestamped = timestamped
  }

  build(): MeteredWindowStore<K, V> {
    let store: WindowBytesStore = this.supplier.get()
    if (store.name !== this.name) throw new TypeError(`Store supplier ${this.name} returned a store named ${store.name}`)
    if (this.loggingEnabled) store = new ChangeLoggingWindowStore(store, this.timestamped)
    return new MeteredWindowStore(store, this.keySerde, this.valueSerde, this.supplier.metricsScope)
  }
}

/** The builder of a `TimestampedWindowStore<K, V>` (values stored as `ValueAndTimestamp<V>`). */
export function timestampedWindowStoreBuilder<K, V>(
  supplier: WindowBytesStoreSupplier,
  keySerde: Serde<K>,
  valueSerde: Serde<V>,
): WindowStoreBuilder<K, ValueAndTimestamp<V>> {
  return new WindowStoreBuilder(supplier, keySerde, new ValueAndTimestampSerde(valueSerde), true)
}

/** Builds `metered(changelogging?(session store))` (Kafka's `SessionStoreBuilder`), one per task. */
export class SessionStoreBuilder<K, AGG> extends WindowedStoreBuilder<MeteredSessionStore<K, AGG>> {
  readonly supplier: SessionBytesStoreSupplier
  readonly keySerde: Serde<K>
  readonly valueSerde: Serde<AGG>

  constructor(supplier: SessionBytesStoreSupplier, keySerde: Serde<K>, valueSerde: Serde<AGG>) {
    super(supplier.name, supplier.retentionPeriod)
    this.supplier = supplier
    this.keySerde = keySerde
    this.valueSerde = valueSerde
  }

  build(): MeteredSessionStore<K, AGG> {
    let store: SessionBytesStore = this.supplier.get()
    if (store.name !== this.name) throw new TypeError(`Store supplier ${this.name} returned a store named ${store.name}`)
    if (this.loggingEnabled) store = new ChangeLoggingSessionStore(store)
    return new MeteredSessionStore(store, this.keySerde, this.valueSerde, this.supplier.metricsScope)
  }
}
