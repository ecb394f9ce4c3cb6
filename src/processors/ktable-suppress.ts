import type { Eviction, InMemoryTimeOrderedKeyValueBuffer } from '../state/in-memory-time-ordered-buffer.ts'
import type { Windowed } from '../state/windowed.ts'
import type { Change } from './change.ts'
import { reportDroppedRecord, windowString } from './expired-window.ts'
import type { Processor, ProcessorContext } from './processor.ts'
import { Record } from './record.ts'

export interface SuppressSpec {
  readonly name: string
  readonly storeName: string
  /**
   * A record leaves the buffer once stream time reaches its buffer time plus this: the window's
   * grace period (untilWindowCloses) or the time limit (untilTimeLimit).
   */
  readonly suppressDurationMs: number
  /** Buffer time is the window end (untilWindowCloses), else the record timestamp. */
  readonly windowed: boolean
  /** Final results never need a deleted window's tombstone (Kafka drops them in untilWindowCloses). */
  readonly safeToDropTombstones: boolean
  readonly maxRecords: number
  readonly maxBytes: number
  readonly whenFull: 'emit-early' | 'shut-down'
  /** See `Suppressed.untilWindowCloses`: opt-in, not deterministic. */
  readonly idleCloseMs: number | undefined
}

/** A full buffer under `shutDownWhenFull()` (Kafka throws a StreamsException and the application stops). */
export class SuppressionBufferFullError extends Error {
  override readonly name = 'SuppressionBufferFullError'
}

/** Largest interval between idle checks. */
const MAX_IDLE_CHECK_MS = 1000

/**
 * `KTable.suppress()` (Kafka's `KTableSuppressProcessor`): holds each key's latest update in a
 * time-ordered, changelogged buffer and forwards it only when stream time has passed its buffer
 * time by the suppress duration — for windowed tables, when the window closes, so each window
 * emits one final result — or earlier when the buffer is full and allowed to emit early.
 *
 * Opt-in idle close (beyond Kafka Streams): after `idleCloseMs` of wall-clock time without stream
 * time advancing, stream time is taken to move with the wall clock, so buffered windows close
 * without new records. A record that then arrives for a window already emitted this way is
 * dropped as late, keeping one result per window.
 */
export class KTableSuppress<K, V> implements Processor<K, Change<V>, K, Change<V>> {
  readonly #spec: SuppressSpec
  #context!: ProcessorContext<K, Change<V>>
  #buffer!: InMemoryTimeOrderedKeyValueBuffer<K, V>
  #observedStreamTime = -1
  #idleStreamTime = -1
  #lastAdvanceWallClock = 0

  constructor(spec: SuppressSpec) {
    this.#spec = spec
  }

  init(context: ProcessorContext<K, Change<V>>): void {
    this.#context = context
    this.#buffer = context.getStateStore<InMemoryTimeOrderedKeyValueBuffer<K, V>>(this.#spec.storeName)
    // Restored records were buffered when stream time had reached their timestamps.
    this.#observedStreamTime = this.#buffer.maxRecordTimestamp()
    this.#lastAdvanceWallClock = context.currentSystemTimeMs()
    const idle = this.#spec.idleCloseMs
    if (idle !== undefined) {
      context.schedule(Math.max(1, Math.min(idle, MAX_IDLE_CHECK_MS)), 'wall-clock', (now) => this.#checkIdle(now, idle))
    }
  }

  process(record: Record<K, Change<V>>): void {
    if (record.timestamp > this.#observedStreamTime) {
      this.#observedStreamTime = record.timestamp
      this.#lastAdvanceWallClock = this.#context.currentSystemTimeMs()
    }
    const bufferTime = this.#spec.windowed ? (record.key as Windowed<unknown>).window.end : record.timestamp
    if (this.#idleStreamTime >= 0 && bufferTime <= this.#idleStreamTime - this.#spec.suppressDurationMs) {
      const window = (record.key as Windowed<unknown>).window
      reportDroppedRecord(this.#context, 'Skipping record for a window already closed by idle close', {
        timestamp: record.timestamp,
        window: windowString(window.start, window.end, false),
        expiration: this.#idleStreamTime - this.#spec.suppressDurationMs,
        streamTime: this.#observedStreamTime,
      })
      return
    }
    const metadata = this.#context.recordMetadata()
    this.#buffer.put(bufferTime, record.key, record.value, {
      timestamp: record.timestamp,
      topic: metadata?.topic,
      partition: metadata?.partition ?? -1,
      offset: metadata?.offset ?? -1,
      headers: record.headers,
    })
    this.#enforceConstraints()
  }

  #enforceConstraints(): void {
    const spec = this.#spec
    const buffer = this.#buffer
    const expiryTime = Math.max(this.#observedStreamTime, this.#idleStreamTime) - spec.suppressDurationMs
    buffer.evictWhile(() => buffer.minTimestamp <= expiryTime, (eviction) => this.#emit(eviction))
    if (!this.#overCapacity()) return
    if (spec.whenFull === 'emit-early') {
      buffer.evictWhile(() => this.#overCapacity(), (eviction) => this.#emit(eviction))
      return
    }
    throw new SuppressionBufferFullError(
      `${spec.name} buffer exceeded its max capacity. Currently [${buffer.numRecords}/${spec.maxRecords}] records and ` +
        `[${buffer.bufferSize}/${spec.maxBytes}] bytes.`,
    )
  }

  #overCapacity(): boolean {
    return this.#buffer.numRecords > this.#spec.maxRecords || this.#buffer.bufferSize > this.#spec.maxBytes
  }

  #emit(eviction: Eviction<K, V>): void {
    if (eviction.value.newValue === null && this.#spec.safeToDropTombstones) return
    this.#context.forward(new Record(eviction.key, eviction.value, eviction.context.timestamp, eviction.context.headers))
  }

  #checkIdle(now: number, idleCloseMs: number): void {
    if (this.#observedStreamTime < 0) return
    const quiet = now - this.#lastAdvanceWallClock
    if (quiet < idleCloseMs) return
    this.#idleStreamTime = Math.max(this.#idleStreamTime, this.#observedStreamTime + quiet)
    this.#enforceConstraints()
  }
}
