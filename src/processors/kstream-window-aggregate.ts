import { MappedKeyValueIterator } from '../state/key-value-iterator.ts'
import type { KeyValueIterator, ValueAndTimestamp } from '../state/store.ts'
import type { TimestampedWindowStore } from '../state/window-store.ts'
import type { Windowed } from '../state/windowed.ts'
import type { Change, SendOldValues } from './change.ts'
import { reportDroppedRecord, reportExpiredWindow, windowString } from './expired-window.ts'
import type { Aggregator, Initializer } from './functions.ts'
import type { ProcessorContext } from './processor.ts'
import type { Record } from './record.ts'
import { WindowAggregateBase, type WindowEmitOptions } from './window-aggregate-base.ts'

/** Tumbling (`advanceMs === sizeMs`) or hopping time windows, `[start, start + size)`. */
export interface TimeWindowSpec {
  readonly sizeMs: number
  readonly advanceMs: number
  readonly graceMs: number
}

/** Starts of the windows containing `timestamp`, oldest first (Kafka's `TimeWindows.windowsFor`). */
export function timeWindowStartsFor(timestamp: number, windows: TimeWindowSpec): number[] {
  const { sizeMs, advanceMs } = windows
  let start = Math.max(0, timestamp - sizeMs + advanceMs)
  start -= start % advanceMs
  const starts: number[] = []
  for (; start <= timestamp; start += advanceMs) starts.push(start)
  return starts
}

/**
 * `windowedBy(TimeWindows).aggregate()` / `count()` / `reduce()` (Kafka's `KStreamWindowAggregate`):
 * folds each record into every window containing it. A window takes records until stream time
 * passes its end plus the grace period; a later record for it is dropped, counted and logged.
 * The aggregate's timestamp is the largest timestamp of the records in the window.
 */
export class KStreamWindowAggregate<K, V, VA> extends WindowAggregateBase<K, V, VA> {
  protected readonly closeDelay: number
  readonly #storeName: string
  readonly #windows: TimeWindowSpec
  readonly #initializer: Initializer<VA>
  readonly #aggregator: Aggregator<K, V, VA>
  #store!: TimestampedWindowStore<K, VA>

  constructor(storeName: string, windows: TimeWindowSpec, initializer: Initializer<VA>, aggregator: Aggregator<K, V, VA>, flags: SendOldValues, emit: WindowEmitOptions) {
    super(flags, emit)
    this.#storeName = storeName
    this.#windows = windows
    this.#initializer = initializer
    this.#aggregator = aggregator
    this.closeDelay = windows.graceMs
  }

  protected initStore(context: ProcessorContext<Windowed<K>, Change<VA>>): void {
    this.#store = context.getStateStore<TimestampedWindowStore<K, VA>>(this.#storeName)
  }

  protected storedWindows(): KeyValueIterator<Windowed<K>, { value: VA; timestamp: number; closesAt: number }> {
    return new MappedKeyValueIterator(this.#store.all(), ({ key, value }) => ({ key, value: { ...value, closesAt: key.window.end } }))
  }

  protected currentValue(window: Windowed<K>): ValueAndTimestamp<VA> | undefined {
    return this.#store.fetch(window.key, window.window.start)
  }

  process(record: Record<K, V>): void {
    const key = record.key
    if (key === null || key === undefined || record.value === null || record.value === undefined) {
      reportDroppedRecord(this.context, 'Skipping record due to null key or value', { timestamp: record.timestamp })
      return
    }
    const timestamp = record.timestamp
    this.observe(timestamp)
    const closeTime = this.closeTime()
    // Windows this record closes are emitted before its writes move the store's stream time,
    // which could otherwise take a window just closing out of the store's retention.
    this.maybeEmitFinal(record.headers)
    const size = this.#windows.sizeMs
    for (const start of timeWindowStartsFor(timestamp, this.#windows)) {
      const end = start + size
      if (end <= closeTime) {
        reportExpiredWindow(this.context, { timestamp, window: windowString(start, end, false), expiration: closeTime, streamTime: this.observedStreamTime })
        continue
      }
      const old = this.#store.fetch(key, start)
      const aggregate = this.#aggregator(key, record.value, old === undefined ? this.#initializer() : old.value)
      const newTimestamp = old === undefined || old.timestamp < timestamp ? timestamp : old.timestamp
      this.#store.put(key, { value: aggregate, timestamp: newTimestamp }, start)
      const window: Windowed<K> = { key, window: { start, end } }
      if (old === undefined) this.trackNewWindow(window, end)
      this.forwardUpdate(window, aggregate, old === undefined ? null : old.value, newTimestamp, record.headers)
    }
  }
}
