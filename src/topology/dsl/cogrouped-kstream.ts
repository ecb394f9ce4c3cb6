import type { SendOldValues } from '../../processors/change.ts'
import type { Aggregator, Initializer } from '../../processors/functions.ts'
import { KStreamAggregate } from '../../processors/kstream-aggregate.ts'
import { PassThrough } from '../../processors/pass-through.ts'
import type { ProcessorSupplier } from '../../processors/processor.ts'
import { REPARTITION_TOPIC_SUFFIX } from './internal-builder.ts'
import { copartition } from './join-support.ts'
import type { GroupedStreamInternals, KGroupedStream } from './kgrouped-stream.ts'
import { KTable } from './ktable.ts'
import { timestampedStore } from './materialized.ts'
import type { StoreOptions } from './options.ts'
import { SessionWindows } from './session-windows.ts'
import type { SlidingWindows } from './sliding-windows.ts'
import type { TimeWindows } from './time-windows.ts'
import { SessionWindowedCogroupedKStream, TimeWindowedCogroupedKStream } from './windowed-cogrouped-kstream.ts'

/** One input of a cogroup: a grouped stream and how its values fold into the shared aggregate. */
export interface CogroupInput<K, VA> {
  readonly grouped: GroupedStreamInternals
  readonly aggregator: Aggregator<K, any, VA>
}

const AGGREGATE_NAME = 'COGROUPKSTREAM-AGGREGATE-'
const MERGE_NAME = 'COGROUPKSTREAM-MERGE-'

/**
 * Several grouped streams folded into one aggregate per key (Kafka Streams' `CogroupedKStream`):
 * `grouped1.cogroup(agg1).cogroup(grouped2, agg2).aggregate(initializer)`. Each input has its own
 * aggregator but all share one store, so one table holds the combined result; inputs whose key
 * changed are repartitioned first, and all inputs are co-partitioned.
 */
export class CogroupedKStream<in out K, in out VA> {
  readonly #inputs: ReadonlyArray<CogroupInput<K, VA>>

  /** @internal Made by `KGroupedStream.cogroup`. */
  constructor(inputs: ReadonlyArray<CogroupInput<K, VA>>) {
    this.#inputs = inputs
  }

  /** Adds a grouped stream (same key type) with its aggregator `(key, value, aggregate) => aggregate`. */
  cogroup<V>(grouped: KGroupedStream<K, V>, aggregator: Aggregator<K, V, NoInfer<VA>>): CogroupedKStream<K, VA> {
    const other = grouped.cogroup<VA>(aggregator)
    return new CogroupedKStream<K, VA>([...this.#inputs, ...other.#inputs])
  }

  /** The table of aggregates, each starting as `initializer()` and updated by every input's records. */
  aggregate(initializer: Initializer<VA>, options?: StoreOptions<K, VA>): KTable<K, VA> {
    const first = this.#inputs[0]!.grouped
    const b = first.builder
    const storeName = options?.storeName ?? b.newStoreName(AGGREGATE_NAME)
    const keySerde = b.keySerde(options?.key, first.keySerde)
    const valueSerde = b.valueSerde(options?.value, undefined)
    const { mergeName, aggregateNames, flags } = this.build(storeName, options?.name, (input, f) => () =>
      new KStreamAggregate<K, unknown, VA>(storeName, initializer, input.aggregator, f))
    b.topology.addStateStore(timestampedStore(b, storeName, options, keySerde, valueSerde), ...aggregateNames)
    return new KTable<K, VA>({
      builder: b,
      name: mergeName,
      keySerde,
      valueSerde,
      storeName,
      enableSendingOldValues: () => {
        for (const f of flags) f.sendOldValues = true
      },
    })
  }

  /** Aggregates per window (Kafka's `TimeWindowedCogroupedKStream` / `SessionWindowedCogroupedKStream`). */
  windowedBy(windows: TimeWindows | SlidingWindows): TimeWindowedCogroupedKStream<K, VA>
  windowedBy(windows: SessionWindows): SessionWindowedCogroupedKStream<K, VA>
  windowedBy(windows: TimeWindows | SlidingWindows | SessionWindows): TimeWindowedCogroupedKStream<K, VA> | SessionWindowedCogroupedKStream<K, VA> {
    if (windows instanceof SessionWindows) return new SessionWindowedCogroupedKStream<K, VA>(this, windows)
    return new TimeWindowedCogroupedKStream<K, VA>(this, windows)
  }

  /**
   * @internal Wires the inputs (Kafka's `CogroupedStreamAggregateBuilder`): a repartition where a
   * key changed, co-partitioning, one aggregating processor per input sharing `storeName` (which
   * the caller adds, connected to `aggregateNames`), and the merge node the table reads from.
   */
  build(
    storeName: string,
    named: string | undefined,
    processor: (input: CogroupInput<K, VA>, flags: SendOldValues) => ProcessorSupplier<K, any, any, any>,
  ): { mergeName: string; aggregateNames: string[]; flags: SendOldValues[] } {
    const b = this.#inputs[0]!.grouped.builder
    const t = b.topology
    const parents = this.#inputs.map((input) => this.#source(input.grouped, storeName))
    copartition(t, ...parents)
    const flags = this.#inputs.map(() => ({ sendOldValues: false }))
    const aggregateNames = this.#inputs.map((input, i) => {
      const name = named !== undefined ? `${named}-cogroup-agg-${i}` : b.newProcessorName(AGGREGATE_NAME)
      t.addProcessor(name, processor(input, flags[i]!), parents[i]!)
      return name
    })
    const mergeName = named !== undefined ? `${named}-cogroup-merge` : b.newProcessorName(MERGE_NAME)
    t.addProcessor(mergeName, () => new PassThrough(), ...aggregateNames)
    return { mergeName, aggregateNames, flags }
  }

  /** @internal The first input's grouping: builder and key serde of the result. */
  get grouped(): GroupedStreamInternals {
    return this.#inputs[0]!.grouped
  }

  /**
   * The node an input's aggregator reads from: its grouping node, or a repartition source when the
   * key changed. A named grouping's topic is shared if another aggregation already made it (as in
   * Kafka); unnamed ones are `<storeName>-repartition`, numbered when several inputs need one.
   */
  #source(g: GroupedStreamInternals, storeName: string): string {
    if (!g.repartitionRequired) return g.name
    const b = g.builder
    const prefix = g.repartitionName ?? storeName
    const existing = (candidate: string): string | undefined =>
      b.topology.nodes.find((n) => n.kind === 'source' && n.topics.includes(candidate + REPARTITION_TOPIC_SUFFIX))?.name
    if (g.repartitionName !== undefined) {
      const shared = existing(prefix)
      if (shared !== undefined) return shared
    }
    let unique = prefix
    for (let n = 1; existing(unique) !== undefined; n++) unique = `${prefix}-${n}`
    return b.repartition(g.name, unique, b.internalSerde(g.keySerde), b.internalSerde(g.valueSerde), { dropNullKeys: true })
  }
}
