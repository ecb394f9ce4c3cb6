import type { KeyValueIterator } from '../state/store.ts'
import type { Windowed } from '../state/windowed.ts'
import type { Change, SendOldValues } from './change.ts'
import type { Processor, ProcessorContext } from './processor.ts'
import { Record, type Headers } from './record.ts'
import { TimeIndex } from './time-index.ts'

/** When a windowed aggregation forwards (Kafka's `EmitStrategy`), as the processors see it. */
export interface WindowEmitOptions {
  /** False: every update (Kafka's default); true: each window once, when it closes. */
  readonly onWindowClose: boolean
  /**
   * Beyond Kafka Streams: after this much wall-clock time without stream time advancing, stream
   * time is taken to move with the wall clock, so the last windows close even when no record
   * comes. Not deterministic: output depends on processing speed. Undefined: off.
   */
  readonly idleCloseMs: number | undefined
}

export const EMIT_ON_UPDATE: WindowEmitOptions = Object.freeze({ onWindowClose: false, idleCloseMs: undefined })

const NO_HEADERS: Headers = Object.freeze({})

/** Largest interval between idle checks, so a long idle-close time still closes promptly. */
const MAX_IDLE_CHECK_MS = 1000

/**
 * What the windowed aggregations (time, sliding, session) share: stream time as the largest
 * record timestamp seen (Kafka's `observedStreamTime`), the close time after which a window takes
 * no more records, forwarding on update or once on close, and the opt-in idle close.
 *
 * Emit-on-close keeps each window still to be emitted in a time index keyed by the close time at
 * which it becomes final (Kafka scans a time-ordered store instead); at `init` the index, stream
 * time and the last emitted close time are rebuilt from the store, which after a restart holds
 * exactly the state whose emissions were committed with it, so nothing is emitted twice.
 */
export abstract class WindowAggregateBase<K, V, VA> implements Processor<K, V, Windowed<K>, Change<VA>> {
  protected context!: ProcessorContext<Windowed<K>, Change<VA>>
  protected sendOldValues = false
  protected observedStreamTime = -1
  readonly #flags: SendOldValues
  readonly #emit: WindowEmitOptions
  readonly #pending = new TimeIndex<Windowed<K>>()
  #lastEmitCloseTime = -1
  /** Stream time extrapolated by idle close; never lowers the real one. */
  #idleStreamTime = -1
  #lastAdvanceWallClock = 0

  constructor(flags: SendOldValues, emit: WindowEmitOptions) {
    this.#flags = flags
    this.#emit = emit
  }

  /** How far behind stream time windows close: the grace period (plus the gap for sessions). */
  protected abstract readonly closeDelay: number
  /** Opens the store. */
  protected abstract initStore(context: ProcessorContext<Windowed<K>, Change<VA>>): void
  /** Every stored window with its aggregate, its timestamp and the close time at which it is final. */
  protected abstract storedWindows(): KeyValueIterator<Windowed<K>, { value: VA; timestamp: number; closesAt: number }>
  /** The current aggregate of a window and its timestamp, if it still exists. */
  protected abstract currentValue(window: Windowed<K>): { value: VA; timestamp: number } | undefined
  abstract process(record: Record<K, V>): void

  init(context: ProcessorContext<Windowed<K>, Change<VA>>): void {
    this.context = context
    this.sendOldValues = this.#flags.sendOldValues
    this.initStore(context)
    this.#lastAdvanceWallClock = context.currentSystemTimeMs()
    if (this.#emit.onWindowClose) this.#rebuildFromStore()
    const idle = this.#emit.idleCloseMs
    if (idle !== undefined) {
      context.schedule(Math.max(1, Math.min(idle, MAX_IDLE_CHECK_MS)), 'wall-clock', (now) => this.#checkIdle(now, idle))
    }
  }

  /** Stream time moves to `timestamp` if that is later. */
  protected observe(timestamp: number): void {
    if (timestamp > this.observedStreamTime) {
      this.observedStreamTime = timestamp
      this.#lastAdvanceWallClock = this.context.currentSystemTimeMs()
    }
  }

  /** Records of windows ending at or before this are late (`end <= closeTime` for time windows). */
  protected closeTime(): number {
    return Math.max(this.observedStreamTime, this.#idleStreamTime) - this.closeDelay
  }

  /** Forwards an update when emitting on update. */
  protected forwardUpdate(window: Windowed<K>, newValue: VA | null, oldValue: VA | null, timestamp: number, headers: Headers): void {
    if (this.#emit.onWindowClose) return
    this.context.forward(new Record(window, { newValue, oldValue: this.sendOldValues ? oldValue : null }, timestamp, headers))
  }

  /** Remembers a newly created window, to emit when the close time reaches `closesAt`. */
  protected trackNewWindow(window: Windowed<K>, closesAt: number): void {
    if (this.#emit.onWindowClose) this.#pending.add(closesAt, window)
  }

  /** Emits, once each, the windows that closed since the last emission (emit-on-close only). */
  protected maybeEmitFinal(headers: Headers): void {
    if (!this.#emit.onWindowClose) return
    const closeTime = this.closeTime()
    if (closeTime <= this.#lastEmitCloseTime) return
    this.#lastEmitCloseTime = closeTime
    for (let due = this.#pending.popUntil(closeTime); due !== undefined; due = this.#pending.popUntil(closeTime)) {
      for (const window of due) {
        // Merged-away sessions and windows past retention are gone: nothing to emit for them.
        const current = this.currentValue(window)
        if (current !== undefined) this.context.forward(new Record(window, { newValue: current.value, oldValue: null }, current.timestamp, headers))
      }
    }
  }

  #rebuildFromStore(): void {
    const stored: Array<{ window: Windowed<K>; closesAt: number }> = []
    let maxTimestamp = -1
    for (const { key, value } of this.storedWindows()) {
      if (value.timestamp > maxTimestamp) maxTimestamp = value.timestamp
      stored.push({ window: key, closesAt: value.closesAt })
    }
    this.observedStreamTime = Math.max(this.observedStreamTime, maxTimestamp)
    // Windows that were closed at the restored stream time were emitted before the restart.
    const closeTime = this.closeTime()
    if (this.observedStreamTime >= 0) this.#lastEmitCloseTime = closeTime
    for (const { window, closesAt } of stored) if (closesAt > closeTime) this.#pending.add(closesAt, window)
  }

  #checkIdle(now: number, idleCloseMs: number): void {
    if (this.observedStreamTime < 0) return
    const quiet = now - this.#lastAdvanceWallClock
    if (quiet < idleCloseMs) return
    this.#idleStreamTime = Math.max(this.#idleStreamTime, this.observedStreamTime + quiet)
    this.maybeEmitFinal(NO_HEADERS)
  }
}
