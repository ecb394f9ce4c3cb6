import type { Serde } from '../serdes/serde.ts'
import { InMemoryTimeOrderedKeyValueBuffer } from './in-memory-time-ordered-buffer.ts'
import type { StoreBuilder } from './store.ts'

/**
 * Builds a suppression buffer per task (Kafka's `InMemoryTimeOrderedKeyValueChangeBuffer.Builder`).
 * Logging is on by default: it is what makes buffered results survive a restart. There is no
 * cache to enable.
 */
export class TimeOrderedKeyValueBufferBuilder<K, V> implements StoreBuilder<InMemoryTimeOrderedKeyValueBuffer<K, V>> {
  readonly name: string
  readonly keySerde: Serde<K>
  readonly valueSerde: Serde<V>
  #loggingEnabled = true
  #logConfig: { readonly [key: string]: string } = {}

  constructor(name: string, keySerde: Serde<K>, valueSerde: Serde<V>) {
    this.name = name
    this.keySerde = keySerde
    this.valueSerde = valueSerde
  }

  get loggingEnabled(): boolean {
    return this.#loggingEnabled
  }

  get logConfig(): { readonly [key: string]: string } {
    return this.#logConfig
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
    throw new TypeError(`Store ${this.name}: a suppression buffer has no record cache`)
  }

  withCachingDisabled(): this {
    return this
  }

  build(): InMemoryTimeOrderedKeyValueBuffer<K, V> {
    return new InMemoryTimeOrderedKeyValueBuffer(this.name, this.keySerde, this.valueSerde, this.#loggingEnabled)
  }
}
