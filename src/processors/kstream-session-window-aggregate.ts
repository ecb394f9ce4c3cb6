import { MappedKeyValueIterator } from '../state/key-value-iterator.ts'
import type { SessionStore } from '../state/session-store.ts'
import type { KeyValueIterator } from '../state/store.ts'
import type { Windowed } from '../state/windowed.ts'
import type { Change, SendOldValues } from './change.ts'
import { reportDroppedRecord, reportExpiredWindow, windowString } from './expired-window.ts'
import type { Aggregator, Initializer } from './functions.ts'
import type { ProcessorContext } from './processor.ts'
import type { Record } from './record.ts'
import { WindowAggregateBase, type WindowEmitOptions } from './window-aggregate-base.ts'

export interface SessionWindowSpec {
  readonly inactivityGapMs: number
  readonly graceMs: number
}

/** Combines the aggregates of two sessions a record joins into one (Kafka's `Merger`). */
export type Merger<K, VA> = (key: K, aggregate1: VA, aggregate2: VA) => VA

/**
 * `windowedBy(SessionWindows)` aggregations (Kafka's `KStreamSessionWindowAggregate`). A record
 * at `t` joins every session of its key that ends at or after `t - gap` and starts at or before
 * `t + gap`; they merge (with the merger) into one session spanning them all, the merged
 * sessions are removed and forwarded as tombstones, then the record is aggregated into the
 * merged session, which is put and forwarded. A session closes when stream time passes its end by the gap plus the grace
 * period; a record whose merged session would have closed is dropped, counted and logged.
 * Updates are stamped with the session end.
 */
export class KStreamSessionWindowAggregate<K, V, VA> extends WindowAggregateBase<K, V, VA> {
  protected readonly closeDelay: number
  readonly #storeName: string
  readonly #gap: number
  readonly #initializer: Initializer<VA>
  readonly #aggregator: Aggregator<K, V, VA>
  readonly #merger: Merger<K, VA>
  #store!: SessionStore<K, VA>

  constructor(
    storeName: string,
    windows: SessionWindowSpec,
    initializer: Initializer<VA>,
    aggregator: Aggregator<K, V, VA>,
    merger: Merger<K, VA>,
    flags: SendOldValues,
    emit: WindowEmitOptions,
  ) {
    super(flags, emit)
    this.#storeName = storeName
    this.#gap = windows.inactivityGapMs
    this.#initializer = initializer
    this.#aggregator = aggregator
    this.#merger = merger
    this.closeDelay = windows.graceMs + windows.inactivityGapMs
  }

  protected initStore(context: ProcessorContext<Windowed<K>, Change<VA>>): void {
    this.#store = context.getStateStore<SessionStore<K, VA>>(this.#storeName)
  }

  protected storedWindows(): KeyValueIterator<Windowed<K>, { value: VA; timestamp: number; closesAt: number }> {
    // A session's end is the timestamp of its latest record; it is final once the close time passes it.
    return new MappedKeyValueIterator(this.#store.fetchRange(undefined, undefined), ({ key, value }) => ({
      key,
      value: { value, timestamp: key.window.end, closesAt: key.window.end + 1 },
    }))
  }

  protected currentValue(window: Windowed<K>): { value: VA; timestamp: number } | undefined {
    const value = this.#store.fetchSession(window.key, window.window.start, window.window.end)
    return value === undefined ? undefined : { value, timestamp: window.window.end }
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

    const merged: Array<{ key: Windowed<K>; value: VA }> = []
    let start = timestamp
    let end = timestamp
    let aggregate = this.#initializer()
    for (const session of this.#store.findSessions(key, timestamp - this.#gap, timestamp + this.#gap)) {
      merged.push(session)
      aggregate = this.#merger(key, aggregate, session.value)
      if (session.key.window.start < start) start = session.key.window.start
      if (session.key.window.end > end) end = session.key.window.end
    }

    if (end < closeTime) {
      reportExpiredWindow(this.context, { timestamp, window: windowString(start, end, true), expiration: closeTime, streamTime: this.observedStreamTime })
    } else {
      const sessionKey: Windowed<K> = { key, window: { start, end } }
      // As Kafka: when the record changes the session, every merged session (even one spanning the
      // same window) is removed and forwarded as a tombstone, then the merged session is put.
      let existed = false
      if (start !== timestamp || end !== timestamp) {
        for (const session of merged) {
          if (session.key.window.start === start && session.key.window.end === end) existed = true
          this.#store.remove(session.key)
          this.forwardUpdate(session.key, null, session.value, session.key.window.end, record.headers)
        }
      } else {
        existed = merged.length > 0
      }
      aggregate = this.#aggregator(key, record.value, aggregate)
      this.#store.put(sessionKey, aggregate)
      // A session already waiting to be emitted on close is in the index once.
      if (!existed) this.trackNewWindow(sessionKey, end + 1)
      this.forwardUpdate(sessionKey, aggregate, null, end, record.headers)
    }
    this.maybeEmitFinal(record.headers)
  }
}
