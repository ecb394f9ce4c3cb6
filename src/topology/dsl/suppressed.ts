import type { Windowed } from '../../state/windowed.ts'
import { requireMs } from './time-windows.ts'

type WhenFull = 'emit-early' | 'shut-down'

/**
 * How much a suppression buffer may hold and what happens when it is full (Kafka Streams'
 * `BufferConfig`): emit the oldest records early (an "eager" config), or fail the task (a
 * "strict" one, the only kind `untilWindowCloses` accepts, since emitting early would break the
 * one-final-result promise). Limits count records and approximate bytes.
 */
export class BufferConfig<W extends WhenFull = WhenFull> {
  readonly maxRecords: number
  readonly maxBytes: number
  readonly whenFull: W
  readonly loggingEnabled: boolean
  readonly logConfig: { readonly [key: string]: string }

  private constructor(maxRecords: number, maxBytes: number, whenFull: W, loggingEnabled: boolean, logConfig: { readonly [key: string]: string }) {
    this.maxRecords = maxRecords
    this.maxBytes = maxBytes
    this.whenFull = whenFull
    this.loggingEnabled = loggingEnabled
    this.logConfig = logConfig
  }

  /** No limit (fails only if memory runs out). */
  static unbounded(): StrictBufferConfig {
    return new BufferConfig(Infinity, Infinity, 'shut-down', true, {})
  }

  /** At most `maxRecords` records; when full, the oldest are emitted early. */
  static maxRecords(maxRecords: number): EagerBufferConfig {
    return new BufferConfig(requireMs('maxRecords', maxRecords), Infinity, 'emit-early', true, {})
  }

  /** At most about `maxBytes` bytes; when full, the oldest are emitted early. */
  static maxBytes(maxBytes: number): EagerBufferConfig {
    return new BufferConfig(Infinity, requireMs('maxBytes', maxBytes), 'emit-early', true, {})
  }

  withMaxRecords(maxRecords: number): BufferConfig<W> {
    return new BufferConfig(requireMs('maxRecords', maxRecords), this.maxBytes, this.whenFull, this.loggingEnabled, this.logConfig)
  }

  withMaxBytes(maxBytes: number): BufferConfig<W> {
    return new BufferConfig(this.maxRecords, requireMs('maxBytes', maxBytes), this.whenFull, this.loggingEnabled, this.logConfig)
  }

  withNoBound(): StrictBufferConfig {
    return new BufferConfig(Infinity, Infinity, 'shut-down', this.loggingEnabled, this.logConfig)
  }

  emitEarlyWhenFull(): EagerBufferConfig {
    return new BufferConfig(this.maxRecords, this.maxBytes, 'emit-early', this.loggingEnabled, this.logConfig)
  }

  /** When full, fail the task with `SuppressionBufferFullError` instead of emitting early. */
  shutDownWhenFull(): StrictBufferConfig {
    return new BufferConfig(this.maxRecords, this.maxBytes, 'shut-down', this.loggingEnabled, this.logConfig)
  }

  /** Without its changelog the buffer is lost on restart (and buffered results with it). */
  withLoggingDisabled(): BufferConfig<W> {
    return new BufferConfig(this.maxRecords, this.maxBytes, this.whenFull, false, {})
  }

  withLoggingEnabled(config: { readonly [key: string]: string } = {}): BufferConfig<W> {
    return new BufferConfig(this.maxRecords, this.maxBytes, this.whenFull, true, Object.freeze({ ...config }))
  }
}

export type StrictBufferConfig = BufferConfig<'shut-down'>
export type EagerBufferConfig = BufferConfig<'emit-early'>

export interface UntilWindowClosesOptions {
  /**
   * Beyond Kafka Streams, opt-in: once stream time has not advanced for this much wall-clock
   * time, it is taken to move with the wall clock, so buffered windows close and emit their
   * final result even when no new record arrives. NOT deterministic: what is emitted when
   * depends on wall-clock time, not only on the data; a record that later arrives for a window
   * closed this way is dropped as late (counted and logged). Checked by a wall-clock punctuator;
   * in tests, `TopologyTestDriver.advanceWallClockTime` drives it.
   */
  readonly idleCloseMs?: number
}

/**
 * What `KTable.suppress` holds back (Kafka Streams' `Suppressed`):
 * - `untilWindowCloses(BufferConfig.unbounded())`: one final result per window of a windowed
 *   table, once stream time passes the window's end plus its grace period;
 * - `untilTimeLimit(ms, config)`: each key's latest update, `ms` of stream time after the key
 *   was first buffered — rate limiting for any table.
 */
export class Suppressed<K> {
  /** Phantom: makes `Suppressed<Windowed<…>>` unusable on tables with other keys. */
  declare readonly keyType?: (key: K) => void
  readonly kind: 'until-window-closes' | 'until-time-limit'
  readonly timeToWaitMs: number
  readonly bufferConfig: BufferConfig
  readonly name: string | undefined
  readonly idleCloseMs: number | undefined

  private constructor(kind: Suppressed<K>['kind'], timeToWaitMs: number, bufferConfig: BufferConfig, name: string | undefined, idleCloseMs: number | undefined) {
    this.kind = kind
    this.timeToWaitMs = timeToWaitMs
    this.bufferConfig = bufferConfig
    this.name = name
    this.idleCloseMs = idleCloseMs
  }

  static untilWindowCloses(bufferConfig: StrictBufferConfig, options: UntilWindowClosesOptions = {}): Suppressed<Windowed<any>> {
    if (bufferConfig.whenFull !== 'shut-down') {
      throw new TypeError('untilWindowCloses needs a strict buffer config (unbounded() or shutDownWhenFull()): emitting early would not be final')
    }
    const idle = options.idleCloseMs === undefined ? undefined : requireMs('idleCloseMs', options.idleCloseMs, 1)
    return new Suppressed('until-window-closes', 0, bufferConfig, undefined, idle)
  }

  static untilTimeLimit<K = any>(timeToWaitForMoreEventsMs: number, bufferConfig: BufferConfig): Suppressed<K> {
    return new Suppressed('until-time-limit', requireMs('Time to wait for more events', timeToWaitForMoreEventsMs), bufferConfig, undefined, undefined)
  }

  /** Names the suppression processor; its buffer store is then `<name>-store`. */
  withName(name: string): Suppressed<K> {
    return new Suppressed(this.kind, this.timeToWaitMs, this.bufferConfig, name, this.idleCloseMs)
  }
}
