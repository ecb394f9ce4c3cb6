import type { Initializer } from '../../processors/functions.ts'
import {
  CogroupSessionWindowAggregate,
  CogroupSlidingWindowAggregate,
  CogroupStreamTime,
  CogroupWindowAggregate,
} from '../../processors/cogroup-window-aggregates.ts'
import type { Windowed } from '../../state/windowed.ts'
import { WindowedSerdes } from '../../state/windowed-serdes.ts'
import type { CogroupedKStream } from './cogrouped-kstream.ts'
import { EmitStrategy } from './emit-strategy.ts'
import { KTable } from './ktable.ts'
import type { SessionWindows } from './session-windows.ts'
import { SlidingWindows } from './sliding-windows.ts'
import type { TimeWindows } from './time-windows.ts'
import { registerWindowedAggregation, retentionFor, sessionStore, timestampedWindowStore, type WindowedStoreOptions } from './windowed-store.ts'

const AGGREGATE_NAME = 'COGROUPKSTREAM-AGGREGATE-'

/**
 * A cogroup aggregated per time or sliding window (Kafka Streams' `TimeWindowedCogroupedKStream`):
 * every input folds into the same windows of one window store. As in Kafka, results are emitted
 * on every window update. Unlike Kafka, the inputs share one stream time per task, so a window
 * closed by one input's records is closed for all (see `CogroupStreamTime`).
 */
export class TimeWindowedCogroupedKStream<in out K, in out VA> {
  readonly #cogroup: CogroupedKStream<K, VA>
  readonly #windows: TimeWindows | SlidingWindows

  /** @internal Made by `CogroupedKStream.windowedBy`. */
  constructor(cogroup: CogroupedKStream<K, VA>, windows: TimeWindows | SlidingWindows) {
    this.#cogroup = cogroup
    this.#windows = windows
  }

  aggregate(initializer: Initializer<VA>, options?: WindowedStoreOptions<K, VA>): KTable<Windowed<K>, VA> {
    const g = this.#cogroup.grouped
    const b = g.builder
    const windows = this.#windows
    const storeName = options?.storeName ?? b.newStoreName(AGGREGATE_NAME)
    const emit = EmitStrategy.onWindowUpdate().toEmitOptions()
    const sliding = windows instanceof SlidingWindows
    const windowSize = sliding ? windows.timeDifferenceMs : windows.sizeMs
    const retention = sliding
      ? retentionFor(storeName, options, 2 * windowSize + windows.graceMs, 'twice the time difference plus the grace period')
      : retentionFor(storeName, options, windowSize + windows.graceMs, 'its window size plus the grace period')
    const time = new CogroupStreamTime()
    const { mergeName, aggregateNames, flags } = this.#cogroup.build(storeName, options?.name, (input, f) =>
      sliding
        ? () => new CogroupSlidingWindowAggregate<K, unknown, VA>(time, storeName, windows, initializer, input.aggregator, f, emit)
        : () => new CogroupWindowAggregate<K, unknown, VA>(time, storeName, windows, initializer, input.aggregator, f, emit))
    const keySerde = b.keySerde(options?.key, g.keySerde)
    const valueSerde = b.valueSerde(options?.value, undefined)
    b.topology.addStateStore(timestampedWindowStore(b, storeName, options, keySerde, valueSerde, retention, windowSize), ...aggregateNames)
    registerWindowedAggregation(b.topology, mergeName, windows.graceMs)
    return new KTable<Windowed<K>, VA>({
      builder: b,
      name: mergeName,
      keySerde: keySerde === undefined ? undefined : WindowedSerdes.timeWindowed(keySerde, windowSize),
      valueSerde,
      storeName,
      enableSendingOldValues: () => {
        for (const f of flags) f.sendOldValues = true
      },
    })
  }
}

/**
 * A cogroup aggregated per session (Kafka Streams' `SessionWindowedCogroupedKStream`): every
 * input extends the same sessions; `merger` combines the aggregates of sessions a record joins.
 */
export class SessionWindowedCogroupedKStream<in out K, in out VA> {
  readonly #cogroup: CogroupedKStream<K, VA>
  readonly #windows: SessionWindows

  /** @internal Made by `CogroupedKStream.windowedBy`. */
  constructor(cogroup: CogroupedKStream<K, VA>, windows: SessionWindows) {
    this.#cogroup = cogroup
    this.#windows = windows
  }

  aggregate(
    initializer: Initializer<VA>,
    merger: (key: K, aggregate1: VA, aggregate2: VA) => VA,
    options?: WindowedStoreOptions<K, VA>,
  ): KTable<Windowed<K>, VA> {
    const g = this.#cogroup.grouped
    const b = g.builder
    const windows = this.#windows
    const storeName = options?.storeName ?? b.newStoreName(AGGREGATE_NAME)
    const emit = EmitStrategy.onWindowUpdate().toEmitOptions()
    const closeDelay = windows.inactivityGapMs + windows.graceMs
    const retention = retentionFor(storeName, options, closeDelay, 'its inactivity gap plus the grace period')
    const time = new CogroupStreamTime()
    const { mergeName, aggregateNames, flags } = this.#cogroup.build(storeName, options?.name, (input, f) => () =>
      new CogroupSessionWindowAggregate<K, unknown, VA>(time, storeName, windows, initializer, input.aggregator, merger, f, emit))
    const keySerde = b.keySerde(options?.key, g.keySerde)
    const valueSerde = b.valueSerde(options?.value, undefined)
    b.topology.addStateStore(sessionStore(b, storeName, options, keySerde, valueSerde, retention), ...aggregateNames)
    registerWindowedAggregation(b.topology, mergeName, closeDelay)
    return new KTable<Windowed<K>, VA>({
      builder: b,
      name: mergeName,
      keySerde: keySerde === undefined ? undefined : WindowedSerdes.sessionWindowed(keySerde),
      valueSerde,
      storeName,
      enableSendingOldValues: () => {
        for (const f of flags) f.sendOldValues = true
      },
    })
  }
}
