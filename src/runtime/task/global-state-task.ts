import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { ConsumerRecord } from '../../client/port.ts'
import { noopProcessorMetrics } from '../../instrumentation/business-metrics.ts'
import type { Cancellable, Processor, ProcessorContext } from '../../processors/processor.ts'
import { Record, type RecordMetadata } from '../../processors/record.ts'
import type { Serde } from '../../serdes/serde.ts'
import type { ChangelogRecord, RestoreCallback, StateStore, StateStoreContext } from '../../state/store.ts'
import type { CompiledGlobalStore } from '../../topology/compile.ts'
import { ErrorHandling } from './error-handling.ts'
import { StreamsError } from './errors.ts'
import { prepareSerdes, type SerdeUse } from './serde-preparation.ts'
import { resolveTaskConfig, type ResolvedTaskConfig, type TaskConfig } from './task-config.ts'
import { UndoLog, undoable } from './undo-log.ts'

export const GLOBAL_TASK_ID = 'global'

interface GlobalSource {
  readonly spec: CompiledGlobalStore
  readonly processor: Processor<any, any, never, never>
  readonly keySerde: Serde<any> | undefined
  readonly valueSerde: Serde<any> | undefined
}

/**
 * Keeps an instance's global stores (Kafka Streams' `GlobalStateUpdateTask` + `GlobalStateManager`):
 * every record of a global topic, from all partitions, goes through that store's processor —
 * the only writer of the store. Its changelog is the source topic itself, so logging is off:
 * `logChange` does nothing and the partition is -1 (no single partition).
 */
export class GlobalStateTask implements StateStoreContext {
  readonly applicationId: string
  readonly taskId = GLOBAL_TASK_ID
  readonly taskStateDir: string
  readonly partition = -1
  readonly stores = new Map<string, StateStore>()
  readonly #config: ResolvedTaskConfig
  readonly #sources = new Map<string, GlobalSource>()
  readonly #restores = new Map<string, RestoreCallback>()
  readonly #undo = new UndoLog()
  readonly #errors: ErrorHandling
  readonly #context: GlobalProcessorContext

  constructor(globals: ReadonlyArray<CompiledGlobalStore>, config: TaskConfig) {
    this.#config = resolveTaskConfig(config)
    // A global store's records are not a task's to dead-letter (Kafka 4.2 neither): `dlq` skips them.
    this.#errors = new ErrorHandling(this.#config, { deadLetters: false })
    this.applicationId = config.applicationId
    this.taskStateDir = join(config.stateDir, config.applicationId, GLOBAL_TASK_ID)
    const views = new Map<string, StateStore>()
    for (const spec of globals) {
      const store = this.#config.storeBuilderOverride(spec.builder).build()
      this.stores.set(spec.storeName, store)
      views.set(spec.storeName, this.#config.undoPartialWrites || store.persistent ? undoable(store, this.#undo) : store)
      this.#sources.set(spec.topic, {
        spec,
        processor: spec.supplier(),
        keySerde: spec.keySerde ?? this.#config.defaultKeySerde,
        valueSerde: spec.valueSerde ?? this.#config.defaultValueSerde,
      })
    }
    this.#context = new GlobalProcessorContext(this.applicationId, views, this.#config)
  }

  topics(): string[] {
    return [...this.#sources.keys()]
  }

  /** The global topic feeding `storeName`, which is also what restores it. */
  topicFor(storeName: string): string | undefined {
    for (const [topic, source] of this.#sources) if (source.spec.storeName === storeName) return topic
    return undefined
  }

  async openStores(): Promise<void> {
    this.#ensureStateDir()
    for (const store of this.stores.values()) await store.open?.(this)
  }

  initializeStores(): void {
    this.#ensureStateDir()
    for (const store of this.stores.values()) store.init(this)
  }

  initializeProcessors(): void {
    for (const source of this.#sources.values()) source.processor.init?.(this.#context as ProcessorContext<never, never>)
  }

  initialize(): void {
    this.initializeStores()
    this.initializeProcessors()
  }

  /** The serdes of the global sources (read only) and stores (under their changelog, the source topic). */
  serdeUses(): SerdeUse[] {
    const uses: SerdeUse[] = []
    for (const source of this.#sources.values()) {
      const where = `global source "${source.spec.sourceName}"`
      if (source.keySerde) uses.push({ serde: source.keySerde, topic: undefined, where })
      if (source.valueSerde) uses.push({ serde: source.valueSerde, topic: undefined, where })
    }
    for (const store of this.stores.values()) {
      const s = store as StateStore & { keySerde?: Serde<any>; valueSerde?: Serde<any> }
      const where = `global store "${store.name}"`
      if (s.keySerde?.serialize) uses.push({ serde: s.keySerde, topic: this.changelogTopic(store.name), where })
      if (s.valueSerde?.serialize) uses.push({ serde: s.valueSerde, topic: this.changelogTopic(store.name), where })
    }
    return uses
  }

  /** Awaits the serdes' async set-up (schema registration) before the first record. */
  prepareSerdes(): Promise<void> {
    return prepareSerdes(this.serdeUses())
  }

  /** Serdes' async look-ahead (unknown writer schemas) for records about to be applied; undefined when nothing to fetch. */
  prepareRecords(records: ReadonlyArray<ConsumerRecord>): Promise<void> | undefined {
    let pending: Promise<void>[] | undefined
    for (const r of records) {
      const source = this.#sources.get(r.topic)
      if (source === undefined) continue
      const k = r.key !== null ? source.keySerde?.prepare?.(r.topic, r.key) : undefined
      const v = r.value !== null ? source.valueSerde?.prepare?.(r.topic, r.value) : undefined
      if (k !== undefined) (pending ??= []).push(k)
      if (v !== undefined) (pending ??= []).push(v)
    }
    return pending === undefined ? undefined : Promise.all(pending).then(() => undefined)
  }

  /** Applies one record of a global topic through its store's processor. */
  update(raw: ConsumerRecord): void {
    const source = this.#sources.get(raw.topic)
    if (source === undefined) throw new StreamsError(`"${raw.topic}" is not a global topic of this topology`)
    const origin = { taskId: GLOBAL_TASK_ID, node: source.spec.sourceName, topic: raw.topic, partition: raw.partition, offset: raw.offset }
    let key: unknown
    let value: unknown
    try {
      key = raw.key === null ? null : source.keySerde === undefined ? raw.key : source.keySerde.deserialize(raw.topic, raw.key)
      value = raw.value === null ? null : source.valueSerde === undefined ? raw.value : source.valueSerde.deserialize(raw.topic, raw.value)
    } catch (error) {
      this.#errors.deserializationFailed(origin, raw, error)
      return
    }
    const ctx = this.#context
    ctx.metadata = { topic: raw.topic, partition: raw.partition, offset: raw.offset }
    ctx.timestamp = raw.timestamp
    try {
      source.processor.process(new Record(key, value, raw.timestamp, raw.headers))
    } catch (error) {
      this.#undo.rollback()
      this.#errors.processingFailed({ ...origin, node: source.spec.processorName }, raw, error, raw.timestamp)
    }
    this.#undo.clear()
  }

  restore(storeName: string, batch: ReadonlyArray<ChangelogRecord>): void {
    const restore = this.#restores.get(storeName)
    if (restore === undefined) throw new StreamsError(`Global store "${storeName}" is not registered`)
    restore(batch)
  }

  flush(): void {
    for (const store of this.stores.values()) store.flush()
  }

  close(): void {
    for (const source of this.#sources.values()) source.processor.close?.()
    for (const store of this.stores.values()) if (store.isOpen()) store.close()
  }

  // StateStoreContext
  changelogTopic(storeName: string): string {
    return this.topicFor(storeName) ?? storeName
  }

  register(store: StateStore, restore: RestoreCallback): void {
    this.#restores.set(store.name, restore)
  }

  logChange(): void {}

  currentTimestamp(): number {
    return this.#context.timestamp
  }

  #ensureStateDir(): void {
    for (const store of this.stores.values()) {
      if (store.persistent) {
        mkdirSync(this.taskStateDir, { recursive: true })
        return
      }
    }
  }
}

/** Global processors only update their store: no forwarding, no punctuation (as in Kafka Streams). */
class GlobalProcessorContext implements ProcessorContext<unknown, unknown> {
  readonly applicationId: string
  readonly taskId = GLOBAL_TASK_ID
  readonly metrics = noopProcessorMetrics
  metadata: RecordMetadata | undefined = undefined
  timestamp = -1
  readonly #stores: ReadonlyMap<string, StateStore>
  readonly #config: ResolvedTaskConfig

  constructor(applicationId: string, stores: ReadonlyMap<string, StateStore>, config: ResolvedTaskConfig) {
    this.applicationId = applicationId
    this.#stores = stores
    this.#config = config
  }

  forward(): void {
    throw new StreamsError('A global store processor cannot forward records')
  }

  getStateStore<S extends StateStore>(name: string): S {
    const store = this.#stores.get(name)
    if (store === undefined) throw new StreamsError(`No global state store named "${name}"`)
    return store as S
  }

  schedule(): Cancellable {
    throw new StreamsError('A global store processor cannot schedule punctuators')
  }

  recordMetadata(): RecordMetadata | undefined {
    return this.metadata
  }

  commit(): void {}

  currentStreamTimeMs(): number {
    return this.timestamp
  }

  currentSystemTimeMs(): number {
    return this.#config.time.now()
  }
}
