import type { WindowEmitOptions } from '../../processors/window-aggregate-base.ts'
import { requireMs } from './time-windows.ts'

export interface OnWindowCloseOptions {
  /**
   * Beyond Kafka Streams, opt-in: once stream time has not advanced for this much wall-clock
   * time, it is taken to move with the wall clock, so the last windows still close and emit when
   * no new record arrives (a quiet topic, the end of a burst). NOT deterministic: what closes
   * depends on when the task runs, not only on the data; records that later arrive for a window
   * closed this way are dropped as late. Checked by a wall-clock punctuator (in tests,
   * `TopologyTestDriver.advanceWallClockTime`).
   */
  readonly idleCloseMs?: number
}

/**
 * When a windowed aggregation emits (Kafka Streams' `EmitStrategy`): on every update of a window
 * (the default), or once per window with its final result when the window closes — stream time
 * past its end plus grace — which spares downstream the intermediate results.
 */
export class EmitStrategy {
  readonly type: 'on-window-update' | 'on-window-close'
  readonly idleCloseMs: number | undefined

  private constructor(type: EmitStrategy['type'], idleCloseMs: number | undefined) {
    this.type = type
    this.idleCloseMs = idleCloseMs
  }

  static onWindowUpdate(): EmitStrategy {
    return new EmitStrategy('on-window-update', undefined)
  }

  static onWindowClose(options: OnWindowCloseOptions = {}): EmitStrategy {
    const idle = options.idleCloseMs
    return new EmitStrategy('on-window-close', idle === undefined ? undefined : requireMs('idleCloseMs', idle, 1))
  }

  /** @internal What the processors take. */
  toEmitOptions(): WindowEmitOptions {
    return { onWindowClose: this.type === 'on-window-close', idleCloseMs: this.idleCloseMs }
  }
}
