import type { SendOldValues } from './change.ts'
import type { Aggregator, Initializer } from './functions.ts'
import { KStreamSessionWindowAggregate, type Merger, type SessionWindowSpec } from './kstream-session-window-aggregate.ts'
import { KStreamSlidingWindowAggregate, type SlidingWindowSpec } from './kstream-sliding-window-aggregate.ts'
import { KStreamWindowAggregate, type TimeWindowSpec } from './kstream-window-aggregate.ts'
import type { ProcessorContext } from './processor.ts'
import type { WindowEmitOptions } from './window-aggregate-base.ts'

/**
 * Stream time shared by the aggregating processors of one windowed cogroup in one task. Each
 * input has its own processor over the one window store; with separate stream times (as in
 * Kafka) an input that is behind would still write to windows the others have closed — and the
 * store has already dropped — emitting an aggregate that starts over. Keyed by the task's context,
 * which all its processors share.
 */
export class CogroupStreamTime {
  readonly #byTask = new WeakMap<object, { time: number }>()

  /** Moves the task's shared stream time to `timestamp` if later; returns it. */
  observe(context: ProcessorContext<any, any>, timestamp: number): number {
    let shared = this.#byTask.get(context)
    if (shared === undefined) this.#byTask.set(context, (shared = { time: -1 }))
    if (timestamp > shared.time) shared.time = timestamp
    return shared.time
  }
}

type Emit = WindowEmitOptions

export class CogroupWindowAggregate<K, V, VA> extends KStreamWindowAggregate<K, V, VA> {
  readonly #time: CogroupStreamTime
  constructor(time: CogroupStreamTime, store: string, w: TimeWindowSpec, i: Initializer<VA>, a: Aggregator<K, V, VA>, f: SendOldValues, e: Emit) {
    super(store, w, i, a, f, e)
    this.#time = time
  }

  protected override observe(timestamp: number): void {
    super.observe(this.#time.observe(this.context, timestamp))
  }
}

export class CogroupSlidingWindowAggregate<K, V, VA> extends KStreamSlidingWindowAggregate<K, V, VA> {
  readonly #time: CogroupStreamTime
  constructor(time: CogroupStreamTime, store: string, w: SlidingWindowSpec, i: Initializer<VA>, a: Aggregator<K, V, VA>, f: SendOldValues, e: Emit) {
    super(store, w, i, a, f, e)
    this.#time = time
  }

  protected override observe(timestamp: number): void {
    super.observe(this.#time.observe(this.context, timestamp))
  }
}

export class CogroupSessionWindowAggregate<K, V, VA> extends KStreamSessionWindowAggregate<K, V, VA> {
  readonly #time: CogroupStreamTime
  constructor(
    time: CogroupStreamTime, store: string, w: SessionWindowSpec, i: Initializer<VA>, a: Aggregator<K, V, VA>, m: Merger<K, VA>, f: SendOldValues, e: Emit,
  ) {
    super(store, w, i, a, m, f, e)
    this.#time = time
  }

  protected override observe(timestamp: number): void {
    super.observe(this.#time.observe(this.context, timestamp))
  }
}
