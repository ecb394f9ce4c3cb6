import type { StateStore } from '../state/store.ts'
import type { Record, RecordMetadata } from './record.ts'
import type { ProcessorMetrics } from '../instrumentation/business-metrics.ts'

/** Stream time advances with the records' timestamps; wall-clock time with the system clock. */
export type PunctuationType = 'stream-time' | 'wall-clock'

export type Punctuator = (timestamp: number) => void

/** Returned by `schedule()`; cancelling stops future calls of that punctuator. */
export interface Cancellable {
  cancel(): void
}

/**
 * What a processor sees of its task (Kafka Streams' `api.ProcessorContext`). Everything here is
 * synchronous: processing never awaits (DESIGN.md, decision 1).
 */
export interface ProcessorContext<KForward = unknown, VForward = unknown> {
  readonly applicationId: string
  /** `<subtopology>_<partition>`, e.g. `0_3`. */
  readonly taskId: string
  /** Sends a record to all children, or to the one named child. */
  forward(record: Record<KForward, VForward>, childName?: string): void
  /** A store connected to this processor; throws if the name is unknown or not connected. */
  getStateStore<S extends StateStore>(name: string): S
  /**
   * Calls `punctuator` every `intervalMs` of stream time or wall-clock time. Stream-time
   * punctuators fire only as records advance stream time, never on an idle partition.
   */
  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable
  /** Topic, partition and offset of the record being processed; undefined inside a punctuator. */
  recordMetadata(): RecordMetadata | undefined
  /** Asks the runtime to commit as soon as possible (after the current record). */
  commit(): void
  currentStreamTimeMs(): number
  currentSystemTimeMs(): number
  /**
   * Business metrics of this processor: counters and histograms labelled with the application,
   * task and node for you (no-ops when the app runs with `metrics: false`). Create them in `init`.
   */
  readonly metrics: ProcessorMetrics
}

/**
 * A custom processor (Kafka Streams' `api.Processor`): `init` once per task, `process` per record,
 * `close` when the task closes. `KOut`/`VOut` type what it may forward.
 */
export interface Processor<KIn, VIn, KOut = never, VOut = never> {
  init?(context: ProcessorContext<KOut, VOut>): void
  process(record: Record<KIn, VIn>): void
  close?(): void
}

/** Each task gets fresh processor instances, so a supplier must return a new object per call. */
export type ProcessorSupplier<KIn, VIn, KOut = never, VOut = never> = () => Processor<KIn, VIn, KOut, VOut>

/**
 * A processor that may change only values (Kafka Streams' `FixedKeyProcessor`): the runtime
 * knows the key is untouched, so no repartition is needed after it.
 */
export interface FixedKeyProcessorContext<K, VForward> extends Omit<ProcessorContext<K, VForward>, 'forward'> {
  forward(record: Record<K, VForward>, childName?: string): void
}

export interface FixedKeyProcessor<K, VIn, VOut = never> {
  init?(context: FixedKeyProcessorContext<K, VOut>): void
  process(record: Record<K, VIn>): void
  close?(): void
}

export type FixedKeyProcessorSupplier<K, VIn, VOut = never> = () => FixedKeyProcessor<K, VIn, VOut>
