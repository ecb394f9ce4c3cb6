import type { SendOldValues } from '../../processors/change.ts'
import type { Aggregator, Initializer, Reducer } from '../../processors/functions.ts'
import { KStreamSlidingWindowAggregate } from '../../processors/kstream-sliding-window-aggregate.ts'
import { KStreamWindowAggregate } from '../../processors/kstream-window-aggregate.ts'
import type { ProcessorSupplier } from '../../processors/processor.ts'
import type { Serde } from '../../serdes/serde.ts'
import { long } from '../../serdes/long.ts'
import type { Windowed } from '../../state/windowed.ts'
import { WindowedSerdes } from '../../state/windowed-serdes.ts'
import { EmitStrategy } from './emit-strategy.ts'
import type { GroupedStreamInternals } from './kgrouped-stream.ts'
import { KTable } from './ktable.ts'
import { SlidingWindows } from './sliding-windows.ts'
import type { TimeWindows } from './time-windows.ts'
import { registerWindowedAggregation, retentionFor, timestampedWindowStore, type WindowedStoreOptions } from './windowed-store.ts'

/** What a windowed stream needs from the grouped stream it came from. */
export interface WindowedStreamHost {
  readonly grouped: GroupedStreamInternals
  /** The node an aggregation with this store reads from, repartitioning first when needed. */
  aggregationSource(storeName: string): string
}

const countInitializer = (): number => 0
const countAggregator = (_key: unknown, _value: unknown, count: number): number => count + 1

/**
 * A grouped stream windowed by time (Kafka Streams' `TimeWindowedKStream`), from
 * `groupByKey().windowedBy(TimeWindows | SlidingWindows)`. Each aggregation keeps its windows in a
 * timestamped window store and returns the windowed table of results, keyed by `Windowed<K>`
 * (`{ key, window: { start, end } }`). `emitStrategy(EmitStrategy.onWindowClose())` emits each
 * window once, when it closes, instead of on every update.
 */
export class TimeWindowedKStream<in out K, in out V> {
  readonly #host: WindowedStreamHost
  readonly #windows: TimeWindows | SlidingWindows
  readonly #emit: EmitStrategy

  /** @internal Made by `KGroupedStream.windowedBy`. */
  constructor(host: WindowedStreamHost, windows: TimeWindows | SlidingWindows, emit: EmitStrategy = EmitStrategy.onWindowUpdate()) {
    this.#host = host
    this.#windows = windows
    this.#emit = emit
  }

  /** The same windowed stream with another emit strategy. */
  emitStrategy(strategy: EmitStrategy): TimeWindowedKStream<K, V> {
    return new TimeWindowedKStream(this.#host, this.#windows, strategy)
  }

  /** Records per key and window (records with a null key or value are skipped). */
  count(options?: WindowedStoreOptions<K, number>): KTable<Windowed<K>, number> {
    return this.#aggregate<number>('KSTREAM-AGGREGATE-', options, options?.value ?? long(), countInitializer, countAggregator)
  }

  /** Combines each key's values per window, `(aggregate, value) => aggregate`; the first value starts it. */
  reduce(reducer: Reducer<V>, options?: WindowedStoreOptions<K, V>): KTable<Windowed<K>, V> {
    const b = this.#host.grouped.builder
    const valueSerde = b.valueSerde(options?.value, this.#host.grouped.valueSerde)
    const initializer = (): V => NONE as V
    const aggregator = (_key: K, value: V, aggregate: V): V => (aggregate === NONE ? value : reducer(aggregate, value))
    return this.#aggregate<V>('KSTREAM-REDUCE-', options, valueSerde, initializer, aggregator)
  }

  /** Folds each key's values per window into an aggregate that starts as `initializer()`. */
  aggregate<VA>(
    initializer: Initializer<VA>,
    aggregator: (key: K, value: V, aggregate: VA) => NoInfer<VA>,
    options?: WindowedStoreOptions<K, VA>,
  ): KTable<Windowed<K>, VA> {
    const valueSerde = this.#host.grouped.builder.valueSerde(options?.value, undefined)
    return this.#aggregate<VA>('KSTREAM-AGGREGATE-', options, valueSerde, initializer, aggregator as Aggregator<K, V, VA>)
  }

  #aggregate<VA>(
    prefix: string,
    options: WindowedStoreOptions<K, VA> | undefined,
    valueSerde: Serde<any> | undefined,
    initializer: Initializer<VA>,
    aggregator: Aggregator<K, V, VA>,
  ): KTable<Windowed<K>, VA> {
    const g = this.#host.grouped
    const b = g.builder
    const storeName = options?.storeName ?? b.newStoreName(`${prefix}`)
    const name = b.nameOr(options?.name, prefix)
    const windows = this.#windows
    const emit = this.#emit.toEmitOptions()
    const flags: SendOldValues = { sendOldValues: false }
    let supplier: ProcessorSupplier<K, V, any, any>
    let retention: number
    let windowSize: number
    if (windows instanceof SlidingWindows) {
      windowSize = windows.timeDifferenceMs
      retention = retentionFor(storeName, options, 2 * windowSize + windows.graceMs, 'twice the time difference plus the grace period')
      supplier = () => new KStreamSlidingWindowAggregate<K, V, VA>(storeName, windows, initializer, aggregator, flags, emit)
    } else {
      windowSize = windows.sizeMs
      retention = retentionFor(storeName, options, windowSize + windows.graceMs, 'its window size plus the grace period')
      supplier = () => new KStreamWindowAggregate<K, V, VA>(storeName, windows, initializer, aggregator, flags, emit)
    }
    const keySerde = b.keySerde(options?.key, g.keySerde)
    const storeBuilder = timestampedWindowStore(b, storeName, options, keySerde, valueSerde, retention, windowSize)
    b.topology.addProcessor(name, supplier, this.#host.aggregationSource(storeName))
    b.topology.addStateStore(storeBuilder, name)
    registerWindowedAggregation(b.topology, name, windows.graceMs)
    return new KTable<Windowed<K>, VA>({
      builder: b,
      name,
      keySerde: keySerde === undefined ? undefined : WindowedSerdes.timeWindowed(keySerde, windowSize),
      valueSerde,
      storeName,
      enableSendingOldValues: () => {
        flags.sendOldValues = true
      },
    })
  }
}

/** The reducer's "no value yet", distinct from any value a user could reduce. */
const NONE: unique symbol = Symbol('no aggregate yet')
