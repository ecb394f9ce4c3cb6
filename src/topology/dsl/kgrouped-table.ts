import { changeSerde } from '../../processors/change.ts'
import type { SendOldValues } from '../../processors/change.ts'
import type { Aggregator, Initializer, Reducer } from '../../processors/functions.ts'
import { KTableAggregate } from '../../processors/ktable-aggregate.ts'
import { KTableReduce } from '../../processors/ktable-reduce.ts'
import type { ProcessorSupplier } from '../../processors/processor.ts'
import { long } from '../../serdes/long.ts'
import type { Serde } from '../../serdes/serde.ts'
import { REPARTITION_TOPIC_SUFFIX, SINK_NAME, SOURCE_NAME, type InternalStreamsBuilder } from './internal-builder.ts'
import { KTable } from './ktable.ts'
import { timestampedStore } from './materialized.ts'
import type { StoreOptions } from './options.ts'

export interface GroupedTableInternals {
  readonly builder: InternalStreamsBuilder
  /** The node emitting the regrouped changes (the `KTABLE-SELECT-` processor). */
  readonly name: string
  readonly keySerde: Serde<any> | undefined
  readonly valueSerde: Serde<any> | undefined
  readonly repartitionName: string | undefined
}

const countInitializer = (): number => 0
const countAdder = (_key: unknown, _value: unknown, count: number): number => count + 1
const countSubtractor = (_key: unknown, _value: unknown, count: number): number => count - 1

/**
 * A table regrouped by a new key (Kafka Streams' `KGroupedTable`). The regrouped changes always go
 * through the repartition topic `<grouping name or storeName>-repartition`, carrying subtractions
 * and additions, so every group's aggregate follows its rows as they change, move or go away.
 */
export class KGroupedTable<in out K, in out V> {
  readonly #g: GroupedTableInternals
  /** A named grouping's repartition source, shared by all its aggregations (as in Kafka). */
  #namedRepartitionSource: string | undefined

  /** @internal Made by `KTable.groupBy`. */
  constructor(internals: GroupedTableInternals) {
    this.#g = internals
  }

  /** Rows per group; a row leaving its group (update or delete) decrements it. */
  count(options?: StoreOptions<K, number>): KTable<K, number> {
    const storeName = options?.storeName ?? this.#g.builder.newStoreName('KTABLE-AGGREGATE-')
    return this.#aggregate('KTABLE-AGGREGATE-', storeName, options, options?.value ?? long(), (flags) => () =>
      new KTableAggregate<K, V, number>(storeName, countInitializer, countAdder, countSubtractor, flags))
  }

  /** `adder(aggregate, value)` for rows joining the group, `subtractor(aggregate, value)` for rows leaving. */
  reduce(adder: Reducer<V>, subtractor: Reducer<V>, options?: StoreOptions<K, V>): KTable<K, V> {
    const storeName = options?.storeName ?? this.#g.builder.newStoreName('KTABLE-REDUCE-')
    const valueSerde = this.#g.builder.valueSerde(options?.value, this.#g.valueSerde)
    return this.#aggregate('KTABLE-REDUCE-', storeName, options, valueSerde, (flags) => () =>
      new KTableReduce<K, V>(storeName, adder, subtractor, flags))
  }

  /** Like `reduce`, into an aggregate of the initializer's type. */
  aggregate<VA>(
    initializer: Initializer<VA>,
    adder: (key: K, value: V, aggregate: VA) => NoInfer<VA>,
    subtractor: (key: K, value: V, aggregate: VA) => NoInfer<VA>,
    options?: StoreOptions<K, VA>,
  ): KTable<K, VA> {
    const storeName = options?.storeName ?? this.#g.builder.newStoreName('KTABLE-AGGREGATE-')
    const valueSerde = this.#g.builder.valueSerde(options?.value, undefined)
    return this.#aggregate('KTABLE-AGGREGATE-', storeName, options, valueSerde, (flags) => () =>
      new KTableAggregate<K, V, VA>(storeName, initializer, adder as Aggregator<K, V, VA>, subtractor as Aggregator<K, V, VA>, flags))
  }

  #aggregate<VA>(
    prefix: string,
    storeName: string,
    options: StoreOptions<K, VA> | undefined,
    valueSerde: Serde<any> | undefined,
    supplier: (flags: SendOldValues) => ProcessorSupplier<K, any, any, any>,
  ): KTable<K, VA> {
    const g = this.#g
    const b = g.builder
    const named = options?.name
    const sinkName = named !== undefined ? `${named}-sink` : b.newProcessorName(SINK_NAME)
    let sourceName = named !== undefined ? `${named}-source` : b.newProcessorName(SOURCE_NAME)
    const name = b.nameOr(named, prefix)
    if (this.#namedRepartitionSource !== undefined) {
      sourceName = this.#namedRepartitionSource
    } else {
      const topic = (g.repartitionName ?? storeName) + REPARTITION_TOPIC_SUFFIX
      const wire = { keySerde: b.internalSerde(g.keySerde), valueSerde: changeSerde(b.internalSerde(g.valueSerde)) }
      b.topology.addInternalTopic({ name: topic, type: 'repartition', numPartitions: undefined, config: {} })
      b.topology.addSink(sinkName, topic, wire, g.name)
      b.topology.addSource(sourceName, topic, wire)
      if (g.repartitionName !== undefined) this.#namedRepartitionSource = sourceName
    }
    const flags = { sendOldValues: false }
    b.topology.addProcessor(name, supplier(flags), sourceName)
    const keySerde = b.keySerde(options?.key, g.keySerde)
    b.topology.addStateStore(timestampedStore(b, storeName, options, keySerde, valueSerde), name)
    return new KTable<K, VA>({
      builder: b,
      name,
      keySerde,
      valueSerde,
      storeName,
      enableSendingOldValues: () => {
        flags.sendOldValues = true
      },
    })
  }
}
