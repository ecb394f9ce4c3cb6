import type { Aggregator, Initializer, Reducer } from '../../processors/functions.ts'
import { KStreamAggregate } from '../../processors/kstream-aggregate.ts'
import { KStreamReduce } from '../../processors/kstream-reduce.ts'
import type { ProcessorSupplier } from '../../processors/processor.ts'
import type { Serde } from '../../serdes/serde.ts'
import { long } from '../../serdes/long.ts'
import type { SendOldValues } from '../../processors/change.ts'
import { CogroupedKStream } from './cogrouped-kstream.ts'
import type { InternalStreamsBuilder } from './internal-builder.ts'
import { KTable } from './ktable.ts'
import { timestampedStore } from './materialized.ts'
import type { StoreOptions } from './options.ts'
import { SessionWindowedKStream } from './session-windowed-kstream.ts'
import type { SessionWindows } from './session-windows.ts'
import type { SlidingWindows } from './sliding-windows.ts'
import { TimeWindowedKStream } from './time-windowed-kstream.ts'
import { TimeWindows } from './time-windows.ts'

export interface GroupedStreamInternals {
  readonly builder: InternalStreamsBuilder
  /** The node the grouped records leave from (the key selector after `groupBy`). */
  readonly name: string
  readonly keySerde: Serde<any> | undefined
  readonly valueSerde: Serde<any> | undefined
  readonly repartitionRequired: boolean
  /** The user's `groupBy`/`groupByKey` name: the repartition topic is then `<name>-repartition`. */
  readonly repartitionName: string | undefined
}

const countInitializer = (): number => 0
const countAggregator = (_key: unknown, _value: unknown, count: number): number => count + 1

/**
 * A stream grouped by key, ready to aggregate (Kafka Streams' `KGroupedStream`). Each aggregation
 * keeps one row per key in a timestamped store and returns the table of results. If the key
 * changed upstream, the records first go through the repartition topic
 * `<storeName or grouping name>-repartition`.
 */
export class KGroupedStream<in out K, in out V> {
  readonly #g: GroupedStreamInternals
  /** A named grouping's repartition source, shared by all its aggregations (as in Kafka). */
  #namedRepartitionSource: string | undefined

  /** @internal Made by `groupBy` / `groupByKey`. */
  constructor(internals: GroupedStreamInternals) {
    this.#g = internals
  }

  /** Records per key (null values are not counted). */
  count(options?: StoreOptions<K, number>): KTable<K, number> {
    const b = this.#g.builder
    const storeName = options?.storeName ?? b.newStoreName('KSTREAM-AGGREGATE-')
    const name = b.nameOr(options?.name, 'KSTREAM-AGGREGATE-')
    const valueSerde = options?.value ?? long()
    return this.#aggregate(storeName, name, options, valueSerde, (flags) => () =>
      new KStreamAggregate<K, V, number>(storeName, countInitializer, countAggregator, flags))
  }

  /** Combines each key's values, `(aggregate, value) => aggregate`; the first value starts it. */
  reduce(reducer: Reducer<V>, options?: StoreOptions<K, V>): KTable<K, V> {
    const b = this.#g.builder
    const storeName = options?.storeName ?? b.newStoreName('KSTREAM-REDUCE-')
    const name = b.nameOr(options?.name, 'KSTREAM-REDUCE-')
    const valueSerde = b.valueSerde(options?.value, this.#g.valueSerde)
    return this.#aggregate(storeName, name, options, valueSerde, (flags) => () => new KStreamReduce<K, V>(storeName, reducer, flags))
  }

  /**
   * Folds each key's values into an aggregate that starts as `initializer()`; the aggregate type
   * is the initializer's. Give `value` (a serde) to store it in a format of your choice.
   */
  aggregate<VA>(
    initializer: Initializer<VA>,
    aggregator: (key: K, value: V, aggregate: VA) => NoInfer<VA>,
    options?: StoreOptions<K, VA>,
  ): KTable<K, VA> {
    const b = this.#g.builder
    const storeName = options?.storeName ?? b.newStoreName('KSTREAM-AGGREGATE-')
    const name = b.nameOr(options?.name, 'KSTREAM-AGGREGATE-')
    const valueSerde = b.valueSerde(options?.value, undefined)
    return this.#aggregate(storeName, name, options, valueSerde, (flags) => () =>
      new KStreamAggregate<K, V, VA>(storeName, initializer, aggregator as Aggregator<K, V, VA>, flags))
  }

  /**
   * Starts a cogroup (Kafka's `CogroupedKStream`): this stream's values fold into an aggregate of
   * type `VA` shared with the grouped streams added by `.cogroup(other, aggregator)`; fix `VA` with
   * a type argument (`cogroup<number>((k, v, agg) => ...)`) or by annotating the aggregate
   * parameter (`(k, v, agg: number) => ...`) — TypeScript cannot take it from the return type,
   * since the aggregator's own `aggregate` parameter fixes `VA` first.
   */
  cogroup<VA>(aggregator: (key: K, value: V, aggregate: VA) => VA): CogroupedKStream<K, VA> {
    return new CogroupedKStream<K, VA>([{ grouped: this.#g, aggregator: aggregator as Aggregator<K, any, VA> }])
  }

  /**
   * Windows the grouped records for windowed aggregations (Kafka's `windowedBy`): time windows
   * (tumbling, hopping) and sliding windows give a `TimeWindowedKStream`, session windows a
   * `SessionWindowedKStream`; their aggregations return tables keyed by `Windowed<K>`.
   */
  windowedBy(windows: TimeWindows | SlidingWindows): TimeWindowedKStream<K, V>
  windowedBy(windows: SessionWindows): SessionWindowedKStream<K, V>
  windowedBy(windows: TimeWindows | SlidingWindows | SessionWindows): TimeWindowedKStream<K, V> | SessionWindowedKStream<K, V> {
    const host = { grouped: this.#g, aggregationSource: (storeName: string) => this.#aggregationSource(storeName) }
    if (windows instanceof TimeWindows || 'timeDifferenceMs' in windows) return new TimeWindowedKStream<K, V>(host, windows)
    return new SessionWindowedKStream<K, V>(host, windows)
  }

  /** Where an aggregation reads from: the grouping node, or a repartition topic's source when the key changed. */
  #aggregationSource(storeName: string): string {
    const g = this.#g
    const b = g.builder
    if (!g.repartitionRequired) return g.name
    if (this.#namedRepartitionSource !== undefined) {
      // Kafka generates (and drops) the sink, filter and source names again; so do we, to keep numbering equal.
      for (let n = 0; n < 3; n++) b.newProcessorName('')
      return this.#namedRepartitionSource
    }
    const source = b.repartition(g.name, g.repartitionName ?? storeName, b.internalSerde(g.keySerde), b.internalSerde(g.valueSerde), {
      dropNullKeys: true,
    })
    if (g.repartitionName !== undefined) this.#namedRepartitionSource = source
    return source
  }

  #aggregate<VA>(
    storeName: string,
    name: string,
    options: StoreOptions<K, VA> | undefined,
    valueSerde: Serde<any> | undefined,
    supplier: (flags: SendOldValues) => ProcessorSupplier<K, V, any, any>,
  ): KTable<K, VA> {
    const g = this.#g
    const b = g.builder
    const source = this.#aggregationSource(storeName)
    const flags = { sendOldValues: false }
    b.topology.addProcessor(name, supplier(flags), source)
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
