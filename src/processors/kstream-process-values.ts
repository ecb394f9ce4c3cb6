import type { Cancellable, FixedKeyProcessor, FixedKeyProcessorContext, ProcessorContext, Processor, PunctuationType, Punctuator } from './processor.ts'
import type { Record, RecordMetadata } from './record.ts'
import type { StateStore } from '../state/store.ts'

const NO_INPUT: unique symbol = Symbol('no input record')

/**
 * Runs a `processValues` processor (Kafka Streams' `KStreamProcessValues`). Kafka makes a changed
 * key unrepresentable (a `FixedKeyRecord` has no `withKey`); here a `Record` can carry any key, so
 * the context checks what is forwarded while a record is processed: a key that is not the input's
 * (`Object.is`) would silently break the partitioning the DSL relies on, so it fails the record.
 */
export class KStreamProcessValues<K, VIn, VOut> implements Processor<K, VIn, K, VOut> {
  readonly #inner: FixedKeyProcessor<K, VIn, VOut>
  readonly #name: () => string
  #inputKey: unknown = NO_INPUT

  constructor(inner: FixedKeyProcessor<K, VIn, VOut>, name: () => string) {
    this.#inner = inner
    this.#name = name
  }

  init(context: ProcessorContext<K, VOut>): void {
    this.#inner.init?.(this.#fixedKeyContext(context))
  }

  process(record: Record<K, VIn>): void {
    this.#inputKey = record.key
    try {
      this.#inner.process(record)
    } finally {
      this.#inputKey = NO_INPUT
    }
  }

  close(): void {
    this.#inner.close?.()
  }

  #fixedKeyContext(context: ProcessorContext<K, VOut>): FixedKeyProcessorContext<K, VOut> {
    // Delegates explicitly: the engine's context keeps private state a prototype trick would not reach.
    return {
      applicationId: context.applicationId,
      taskId: context.taskId,
      forward: (record: Record<K, VOut>, childName?: string) => {
        const input = this.#inputKey
        if (input !== NO_INPUT && !Object.is(record.key, input)) {
          throw new Error(
            `processValues processor "${this.#name()}" forwarded a record with key ${show(record.key)}, not the input key ${show(input)}: ` +
              'processValues must keep keys (use process() to change them)',
          )
        }
        context.forward(record, childName)
      },
      getStateStore: <S extends StateStore>(name: string): S => context.getStateStore<S>(name),
      schedule: (intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable => context.schedule(intervalMs, type, punctuator),
      recordMetadata: (): RecordMetadata | undefined => context.recordMetadata(),
      commit: () => context.commit(),
      currentStreamTimeMs: () => context.currentStreamTimeMs(),
      currentSystemTimeMs: () => context.currentSystemTimeMs(),
      get metrics() {
        return context.metrics
      },
    }
  }
}

function show(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key)
  if (typeof key === 'bigint') return `${key}n`
  if (key === null || typeof key !== 'object') return String(key)
  try {
    return JSON.stringify(key) ?? String(key)
  } catch {
    return Object.prototype.toString.call(key)
  }
}
