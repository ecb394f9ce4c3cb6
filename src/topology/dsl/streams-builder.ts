import { KTableSource } from '../../processors/ktable-source.ts'
import type { ProcessorSupplier } from '../../processors/processor.ts'
import type { Serde } from '../../serdes/serde.ts'
import type { StateStore, StoreBuilder } from '../../state/store.ts'
import type { Topology } from '../topology.ts'
import { GlobalKTable } from './global-ktable.ts'
import { InternalStreamsBuilder, SOURCE_NAME } from './internal-builder.ts'
import { KStream } from './kstream.ts'
import { KTable } from './ktable.ts'
import { timestampedStore } from './materialized.ts'
import type { ConsumedOptions, TableOptions } from './options.ts'

export interface StreamsBuilderOptions {
  /** Serde for keys wherever none is given or carried (Kafka's `default.key.serde`). */
  readonly defaultKeySerde?: Serde<any>
  /** Serde for values wherever none is given or carried (Kafka's `default.value.serde`). */
  readonly defaultValueSerde?: Serde<any>
}

/**
 * The DSL's entry point (Kafka Streams' `StreamsBuilder`): declare sources, chain operators, then
 * `build()` the `Topology` to run.
 *
 * Serdes: a source needs its key and value serdes (given, or the builder defaults). Downstream, a
 * serde follows the stream for as long as the type it describes is unchanged. Where the
 * application writes its own data — repartition topics, state stores — and no serde is known, it
 * uses the structured serde (see structured-serde.ts), so `groupBy(...).count()` works without
 * naming serdes. Topics other programs read (`to()`) never get it: there a missing serde is an
 * error raised by the operator's call.
 */
export class StreamsBuilder {
  readonly #b: InternalStreamsBuilder

  constructor(options: StreamsBuilderOptions = {}) {
    this.#b = new InternalStreamsBuilder(options)
  }

  /** A stream of the records of one or more topics. */
  stream<K = unknown, V = unknown>(topics: string | ReadonlyArray<string>, options?: ConsumedOptions<K, V>): KStream<K, V> {
    const b = this.#b
    const operator = `stream(${JSON.stringify(topics)})`
    const keySerde = b.requireSerde(b.keySerde(options?.key, undefined), 'key', operator)
    const valueSerde = b.requireSerde(b.valueSerde(options?.value, undefined), 'value', operator)
    const name = b.nameOr(options?.name, SOURCE_NAME)
    b.topology.addSource(name, topics, {
      keySerde,
      valueSerde,
      ...(options?.timestampExtractor ? { timestampExtractor: options.timestampExtractor } : {}),
      ...(options?.offsetReset ? { offsetReset: options.offsetReset } : {}),
    })
    return new KStream<K, V>({ builder: b, name, keySerde, valueSerde, repartitionRequired: false })
  }

  /**
   * A table of a topic read as a changelog: the latest value per key, a null value deleting the
   * key. It is stored in `<topic>-STATE-STORE-<n>` unless `storeName` is given.
   */
  table<K = unknown, V = unknown>(topic: string, options?: TableOptions<K, V>): KTable<K, V> {
    const b = this.#b
    const operator = `table("${topic}")`
    const keySerde = b.requireSerde(b.keySerde(options?.key, undefined), 'key', operator)
    const valueSerde = b.requireSerde(b.valueSerde(options?.value, undefined), 'value', operator)
    const storeName = options?.storeName ?? b.newStoreName(`${topic}-`)
    const sourceName = b.nameOr(options?.name, SOURCE_NAME)
    const tableName = options?.name !== undefined ? `${options.name}-table-source` : b.newProcessorName('KTABLE-SOURCE-')
    b.topology.addSource(sourceName, topic, {
      keySerde,
      valueSerde,
      ...(options?.timestampExtractor ? { timestampExtractor: options.timestampExtractor } : {}),
      ...(options?.offsetReset ? { offsetReset: options.offsetReset } : {}),
    })
    const flags = { sendOldValues: false }
    b.topology.addProcessor(tableName, () => new KTableSource(storeName, flags), sourceName)
    b.topology.addStateStore(timestampedStore(b, storeName, options, keySerde, valueSerde), tableName)
    return new KTable<K, V>({
      builder: b,
      name: tableName,
      keySerde,
      valueSerde,
      storeName,
      enableSendingOldValues: () => {
        flags.sendOldValues = true
      },
    })
  }

  /** A table of all partitions of a topic, held in full by every instance. */
  globalTable<K = unknown, V = unknown>(topic: string, options?: TableOptions<K, V>): GlobalKTable<K, V> {
    const b = this.#b
    const operator = `globalTable("${topic}")`
    const keySerde = b.requireSerde(b.keySerde(options?.key, undefined), 'key', operator)
    const valueSerde = b.requireSerde(b.valueSerde(options?.value, undefined), 'value', operator)
    const storeName = options?.storeName ?? b.newStoreName(`${topic}-`)
    const sourceName = b.nameOr(options?.name, SOURCE_NAME)
    const processorName = options?.name !== undefined ? `${options.name}-table-source` : b.newProcessorName('KTABLE-SOURCE-')
    // The topic is the global store's changelog, so the store logs nothing itself; nor does it
    // forward, so it has no use for a cache.
    const store = timestampedStore(b, storeName, { ...options, logging: false, caching: false }, keySerde, valueSerde)
    const flags = { sendOldValues: false }
    b.topology.addGlobalStore(store, sourceName, topic, { keySerde, valueSerde }, processorName, () =>
      new KTableSource<K, V>(storeName, flags, false) as unknown as ReturnType<ProcessorSupplier<K, V, never, never>>)
    return new GlobalKTable<K, V>(storeName, keySerde, valueSerde)
  }

  /** Adds a store for custom processors; connect it with `process(supplier, { stores: [name] })`. */
  addStateStore(builder: StoreBuilder<StateStore>): this {
    this.#b.topology.addStateStore(builder)
    return this
  }

  /**
   * A global store fed by `supplier`'s processor from every partition of `topic` (Kafka's
   * `addGlobalStore`); the processor must write the store and may not forward. Logging must be
   * off: the topic itself is the store's changelog.
   */
  addGlobalStore<K, V>(
    builder: StoreBuilder<StateStore>,
    topic: string,
    options: ConsumedOptions<K, V>,
    supplier: ProcessorSupplier<K, V, never, never>,
  ): this {
    const b = this.#b
    const operator = `addGlobalStore("${topic}")`
    const keySerde = b.requireSerde(b.keySerde(options.key, undefined), 'key', operator)
    const valueSerde = b.requireSerde(b.valueSerde(options.value, undefined), 'value', operator)
    if (builder.loggingEnabled) builder.withLoggingDisabled()
    const sourceName = b.nameOr(options.name, SOURCE_NAME)
    const processorName = b.newProcessorName('KTABLE-SOURCE-')
    b.topology.addGlobalStore(builder, sourceName, topic, { keySerde, valueSerde }, processorName, supplier)
    return this
  }

  /** The topology the DSL calls declared, to describe, test or run. */
  build(): Topology {
    return this.#b.topology
  }
}
