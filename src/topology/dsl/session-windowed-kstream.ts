import type { SendOldValues } from '../../processors/change.ts'
import type { Aggregator, Initializer, Reducer } from '../../processors/functions.ts'
import { KStreamSessionWindowAggregate, type Merger } from '../../processors/kstream-session-window-aggregate.ts'
import type { Serde } from '../../serdes/serde.ts'
import { long } from '../../serdes/long.ts'
import type { Windowed } from '../../state/windowed.ts'
import { WindowedSerdes } from '../../state/windowed-serdes.ts'
import { EmitStrategy } from './emit-strategy.ts'
import { KTable } from './ktable.ts'
import type { SessionWindows } from './session-windows.ts'
import type { WindowedStreamHost } from './time-windowed-kstream.ts'
import { registerWindowedAggregation, retentionFor, sessionStore, type WindowedStoreOptions } from './windowed-store.ts'

const countInitializer = (): number => 0
const countAggregator = (_key: unknown, _value: unknown, count: number): number => count + 1
const countMerger = (_key: unknown, a: number, b: number): number => a + b

/**
 * A grouped stream windowed by sessions (Kafka Streams' `SessionWindowedKStream`), from
 * `groupByKey().windowedBy(SessionWindows)`. Aggregations keep sessions in a session store and
 * return the windowed table of results; when a record merges sessions, the merged ones are
 * deleted downstream (tombstones) and the merged session is emitted.
 */
export class SessionWindowedKStream<in out K, in out V> {
  readonly #host: WindowedStreamHost
  readonly #windows: SessionWindows
  readonly #emit: EmitStrategy

  /** @internal Made by `KGroupedStream.windowedBy`. */
  constructor(host: WindowedStreamHost, windows: SessionWindows, emit: EmitStrategy = EmitStrategy.onWindowUpdate()) {
    this.#host = host
    this.#windows = windows
    this.#emit = emit
  }

  emitStrategy(strategy: EmitStrategy): SessionWindowedKStream<K, V> {
    return new SessionWindowedKStream(this.#host, this.#windows, strategy)
  }

  count(options?: WindowedStoreOptions<K, number>): KTable<Windowed<K>, number> {
    return this.#aggregate<number>('KSTREAM-AGGREGATE-', options, options?.value ?? long(), countInitializer, countAggregator, countMerger)
  }

  reduce(reducer: Reducer<V>, options?: WindowedStoreOptions<K, V>): KTable<Windowed<K>, V> {
    const valueSerde = this.#host.grouped.builder.valueSerde(options?.value, this.#host.grouped.valueSerde)
    const initializer = (): V => NONE as V
    const aggregator = (_key: K, value: V, aggregate: V): V => (aggregate === NONE ? value : reducer(aggregate, value))
    const merger = (_key: K, a: V, b: V): V => (a === NONE ? b : b === NONE ? a : reducer(a, b))
    return this.#aggregate<V>('KSTREAM-REDUCE-', options, valueSerde, initializer, aggregator, merger)
  }

  /**
   * Folds each session's values into an aggregate that starts as `initializer()`; `merger`
   * combines the aggregates of sessions a record joins together.
   */
  aggregate<VA>(
    initializer: Initializer<VA>,
    aggregator: (key: K, value: V, aggregate: VA) => NoInfer<VA>,
    merger: (key: K, aggregate1: NoInfer<VA>, aggregate2: NoInfer<VA>) => NoInfer<VA>,
    options?: WindowedStoreOptions<K, VA>,
  ): KTable<Windowed<K>, VA> {
    const valueSerde = this.#host.grouped.builder.valueSerde(options?.value, undefined)
    return this.#aggregate<VA>('KSTREAM-AGGREGATE-', options, valueSerde, initializer, aggregator as Aggregator<K, V, VA>, merger as Merger<K, VA>)
  }

  #aggregate<VA>(
    prefix: string,
    options: WindowedStoreOptions<K, VA> | undefined,
    valueSerde: Serde<any> | undefined,
    initializer: Initializer<VA>,
    aggregator: Aggregator<K, V, VA>,
    merger: Merger<K, VA>,
  ): KTable<Windowed<K>, VA> {
    const g = this.#host.grouped
    const b = g.builder
    const storeName = options?.storeName ?? b.newStoreName(prefix)
    const name = b.nameOr(options?.name, prefix)
    const windows = this.#windows
    const emit = this.#emit.toEmitOptions()
    const flags: SendOldValues = { sendOldValues: false }
    const closeDelay = windows.inactivityGapMs + windows.graceMs
    const retention = retentionFor(storeName, options, closeDelay, 'its inactivity gap plus the grace period')
    const keySerde = b.keySerde(options?.key, g.keySerde)
    const storeBuilder = sessionStore(b, storeName, options, keySerde, valueSerde, retention)
    b.topology.addProcessor(
      name,
      () => new KStreamSessionWindowAggregate<K, V, VA>(storeName, windows, initializer, aggregator, merger, flags, emit),
      this.#host.aggregationSource(storeName),
    )
    b.topology.addStateStore(storeBuilder, name)
    registerWindowedAggregation(b.topology, name, closeDelay)
    return new KTable<Windowed<K>, VA>({
      builder: b,
      name,
      keySerde: keySerde === undefined ? undefined : WindowedSerdes.sessionWindowed(keySerde),
      valueSerde,
      storeName,
      enableSendingOldValues: () => {
        flags.sendOldValues = true
      },
    })
  }
}

const NONE: unique symbol = Symbol('no aggregate yet')
