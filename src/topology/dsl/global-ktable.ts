import type { Serde } from '../../serdes/serde.ts'

/**
 * A table every instance holds in full (Kafka Streams' `GlobalKTable`), read from all partitions
 * of its topic into a global store, for lookups by any key without co-partitioning.
 */
export class GlobalKTable<in out K, in out V> {
  /** The global store holding the rows. */
  readonly queryableStoreName: string
  /** @internal */
  readonly keySerde: Serde<K>
  /** @internal */
  readonly valueSerde: Serde<V>

  /** @internal Made by `StreamsBuilder.globalTable()`. */
  constructor(storeName: string, keySerde: Serde<K>, valueSerde: Serde<V>) {
    this.queryableStoreName = storeName
    this.keySerde = keySerde
    this.valueSerde = valueSerde
  }
}
