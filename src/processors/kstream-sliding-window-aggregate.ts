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

export interface SlidingWindowSpec {
  readonly timeDifferenceMs: number
  readonly graceMs: number
}

/** The state of one key's windows around a record, gathered while scanning the store. */
interface Scan<VA> {
  readonly starts: Set<number>
  leftAggregate: ValueAndTimestamp<VA> | undefined
  rightAggregate: ValueAndTimestamp<VA> | undefined
  leftCreated: boolean
  rightCreated: boolean
  previousTimestamp: number | undefined
}

/**
 * `windowedBy(SlidingWindows)` aggregations (Kafka's `KStreamSlidingWindowAggregate`). Windows are
 * `[start, start + timeDifference]`, both ends inclusive, and exist only where records are: each
 * record has a left window ending at it and a right window starting just after it (created once
 * a later record falls in it). A record updates every existing window containing it and creates
 * its own windows from the aggregates of its neighbours, so each distinct set of records within
 * the time difference is aggregated exactly once. Records at times below the time difference
 * share the window `[0, timeDifference]`. The algorithm follows Kafka's, reverse-iterating.
 */
export class KStreamSlidingWindowAggregate<K, V, VA> extends WindowAggregateBase<K, V, VA> {
  protected readonly closeDelay: number
  readonly #storeName: string
  readonly #difference: number
  readonly #initializer: Initializer<VA>
  readonly #aggregator: Aggregator<K, V, VA>
  #store!: TimestampedWindowStore<K, VA>

  constructor(storeName: string, windows: SlidingWindowSpec, initializer: Initializer<VA>, aggregator: Aggregator<K, V, VA>, flags: SendOldValues, emit: WindowEmitOptions) {
    super(flags, emit)
    this.#storeName = storeName
    this.#difference = windows.timeDifferenceMs
    this.#initializer = initializer
    this.#aggregator = aggregator
    this.closeDelay = windows.graceMs
  }

  protected initStore(context: ProcessorContext<Windowed<K>, Change<VA>>): void {
    this.#store = context.getStateStore<TimestampedWindowStore<K, VA>>(this.#storeName)
  }

  protected storedWindows(): KeyValueIterator<Windowed<K>, { value: VA; timestamp: number; closesAt: number }> {
    return new MappedKeyValueIterator(this.#store.all(), ({ key, value }) => ({ key, value: { ...value, closesAt: key.window.end + 1 } }))
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
    const d = this.#difference
    if (timestamp + 1 + d <= closeTime) {
      // Even the record's right window has closed: no window it belongs to is open.
      reportExpiredWindow(this.context, { timestamp, window: windowString(timestamp - d, timestamp, true), expiration: closeTime, streamTime: this.observedStreamTime })
    } else if (timestamp < d) {
      this.#processEarly(record, key, record.value, closeTime)
    } else {
      this.#process(record, key, record.value, closeTime)
    }
  }

  #process(record: Record<K, V>, key: K, value: V, closeTime: number): void {
    const timestamp = record.timestamp
    const d = this.#difference
    const scan: Scan<VA> = { starts: new Set(), leftAggregate: undefined, rightAggregate: undefined, leftCreated: false, rightCreated: false, previousTimestamp: undefined }
    for (const { key: start, value: existing } of this.#store.backwardFetch(key, Math.max(0, timestamp - 2 * d), timestamp + 1)) {
      scan.starts.add(start)
      const end = start + d
      if (start === timestamp + 1) {
        scan.rightCreated = true
      } else if (end > timestamp) {
        scan.rightAggregate ??= existing
        this.#update(record, key, value, start, existing, true, closeTime)
      } else if (end === timestamp) {
        scan.leftCreated = true
        this.#update(record, key, value, start, existing, true, closeTime)
        // A window ending at this very record already holds a record at this time: all its windows exist.
        if (existing.timestamp >= timestamp) return
        scan.previousTimestamp = existing.timestamp
      } else {
        scan.leftAggregate = existing
        scan.previousTimestamp = existing.timestamp
        break
      }
    }
    this.#createWindows(record, key, value, closeTime, scan)
  }

  /** Records with `timestamp < timeDifference` share the window `[0, timeDifference]` (no negative starts). */
  #processEarly(record: Record<K, V>, key: K, value: V, closeTime: number): void {
    const timestamp = record.timestamp
    const scan: Scan<VA> = { starts: new Set(), leftAggregate: undefined, rightAggregate: undefined, leftCreated: false, rightCreated: false, previousTimestamp: undefined }
    let combined: ValueAndTimestamp<VA> | undefined
    for (const { key: start, value: existing } of this.#store.fetch(key, 0, timestamp + 1)) {
      scan.starts.add(start)
      if (start === 0) {
        combined = existing
        if (existing.timestamp < timestamp) scan.previousTimestamp = existing.timestamp
      } else if (start <= timestamp) {
        scan.rightAggregate = existing
        this.#update(record, key, value, start, existing, true, closeTime)
      } else {
        scan.rightCreated = true
      }
    }
    // Without a right window found, the combined window can only hold records after this one.
    if (scan.rightAggregate === undefined && combined !== undefined && combined.timestamp > timestamp) scan.rightAggregate = combined
    if (!scan.rightCreated && scan.rightAggregate !== undefined && scan.rightAggregate.timestamp > timestamp) this.#createRightWindow(record, key, scan.rightAggregate)
    if (scan.previousTimestamp !== undefined && !scan.starts.has(scan.previousTimestamp + 1)) {
      this.#update(record, key, value, scan.previousTimestamp + 1, undefined, false, closeTime)
    }
    this.#update(record, key, value, 0, combined, combined !== undefined, closeTime)
  }

  #createWindows(record: Record<K, V>, key: K, value: V, closeTime: number, scan: Scan<VA>): void {
    const timestamp = record.timestamp
    const d = this.#difference
    const previous = scan.previousTimestamp
    // The previous record's right window, if it does not exist yet and this record falls in it.
    if (previous !== undefined && !scan.starts.has(previous + 1) && previous + 1 + d >= timestamp) {
      this.#update(record, key, value, previous + 1, undefined, false, closeTime)
    }
    if (!scan.leftCreated) {
      const leftHoldsPrevious = previous !== undefined && timestamp - d <= previous && scan.leftAggregate !== undefined
      const base = leftHoldsPrevious ? { value: scan.leftAggregate!.value, timestamp } : undefined
      this.#update(record, key, value, timestamp - d, base, false, closeTime)
    }
    if (!scan.rightCreated && scan.rightAggregate !== undefined && scan.rightAggregate.timestamp > timestamp) {
      this.#createRightWindow(record, key, scan.rightAggregate)
    }
  }

  /** The record's right window holds exactly the later records of the window found to its right. */
  #createRightWindow(record: Record<K, V>, key: K, aggregate: ValueAndTimestamp<VA>): void {
    const start = record.timestamp + 1
    const window: Windowed<K> = { key, window: { start, end: start + this.#difference } }
    this.#store.put(key, aggregate, start)
    this.trackNewWindow(window, window.window.end + 1)
    this.forwardUpdate(window, aggregate.value, null, aggregate.timestamp, record.headers)
  }

  /**
   * Adds the record to the window at `start`: `base` is its current aggregate (`existing`), or
   * the aggregate a new window starts from (undefined: the initializer's).
   */
  #update(record: Record<K, V>, key: K, value: V, start: number, base: ValueAndTimestamp<VA> | undefined, existing: boolean, closeTime: number): void {
    const timestamp = record.timestamp
    const end = start + this.#difference
    // The end is inclusive, so a window ending at the close time still takes records (as Kafka).
    if (end < closeTime) {
      reportExpiredWindow(this.context, { timestamp, window: windowString(start, end, true), expiration: closeTime, streamTime: this.observedStreamTime })
      return
    }
    const aggregate = this.#aggregator(key, value, base === undefined ? this.#initializer() : base.value)
    const newTimestamp = base === undefined || base.timestamp < timestamp ? timestamp : base.timestamp
    this.#store.put(key, { value: aggregate, timestamp: newTimestamp }, start)
    const window: Windowed<K> = { key, window: { start, end } }
    if (!existing) this.trackNewWindow(window, end + 1)
    this.forwardUpdate(window, aggregate, existing && base !== undefined ? base.value : null, newTimestamp, record.headers)
  }
}
