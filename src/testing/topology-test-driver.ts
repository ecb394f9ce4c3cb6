import { randomUUID } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Registry } from 'prom-client'
import type { ConsumerRecord, ClientHeaders, ProducerRecord } from '../client/port.ts'
import type { MetricsConfig } from '../instrumentation/streams-metrics.ts'
import type { Headers } from '../processors/record.ts'
import { InMemoryRecordCollector } from '../runtime/task/in-memory-record-collector.ts'
import { GlobalStateTask } from '../runtime/task/global-state-task.ts'
import { needsAsyncPreparation, prepareSerdes, type SerdeUse } from '../runtime/task/serde-preparation.ts'
import { StreamTask } from '../runtime/task/stream-task.ts'
import { instrumentTask, type Instrumentation } from '../runtime/task/task-instrumentation.ts'
import type { ErrorPolicy, TaskConfig, TaskLogger } from '../runtime/task/task-config.ts'
import type { Serde } from '../serdes/serde.ts'
import { isSessionStore, type SessionStore } from '../state/session-store.ts'
import type { KeyValueStore, StateStore, StoreBuilder, TimestampedKeyValueStore } from '../state/store.ts'
import { isWindowStore, type TimestampedWindowStore, type WindowStore } from '../state/window-store.ts'
import type { CompiledTopology } from '../topology/compile.ts'
import type { Topology } from '../topology/topology.ts'
import { driverInstrumentation, toClientHeaders, unprepared } from './driver-support.ts'
import { inMemorySubstitute, isTimestampedBuilder, isTimestampedWindowBuilder } from './in-memory-substitute.ts'
import { KeyValueStoreFacade } from './key-value-store-facade.ts'
import { TestInputTopic, type InputSink, type TestInputTopicOptions } from './test-input-topic.ts'
import { TestOutputTopic, type OutputSource } from './test-output-topic.ts'
import { WindowStoreFacade } from './window-store-facade.ts'

export interface TopologyTestDriverOptions {
  /** Default `topology-test-driver`; internal topics are named after it. */
  readonly applicationId?: string
  /** The mock wall clock's start, default 0 (deterministic); also input topics' default start time. */
  readonly initialWallClockTimeMs?: number
  /** Where persistent stores live; default a fresh temporary directory removed by `close()`. */
  readonly stateDir?: string
  readonly deserializationExceptionHandler?: ErrorPolicy
  readonly processingExceptionHandler?: ErrorPolicy
  /** Dead letters appear as output of `<applicationId>-dlq` (or the handler's topic): read them with `createOutputTopic`. */
  readonly productionExceptionHandler?: ErrorPolicy
  readonly maxRequestSize?: number
  readonly defaultKeySerde?: Serde<any>
  readonly defaultValueSerde?: Serde<any>
  readonly logger?: TaskLogger
  /** Metrics on a registry of the driver's own by default (`metricsRegistry`); `{ registry }` or `false` (off). */
  readonly metrics?: MetricsConfig
}

const DEFERRED = Symbol('deferred initialisation')

/**
 * Runs a topology in-process, synchronously and deterministically (Kafka Streams'
 * `TopologyTestDriver`), on the same `StreamTask` code the runtime uses. Every topic has one
 * partition, so each sub-topology is one task; each piped record is processed to completion —
 * records the topology writes to topics it reads (repartition topics) are fed back in at once —
 * then stream-time punctuators fire and the task commits. Wall-clock punctuators fire only on
 * `advanceWallClockTime`.
 */
export class TopologyTestDriver implements InputSink, OutputSource {
  readonly compiled: CompiledTopology
  readonly #tasks: StreamTask[] = []
  readonly #taskBySubtopology = new Map<number, StreamTask>()
  readonly #global: GlobalStateTask | undefined
  readonly #collector = new InMemoryRecordCollector()
  readonly #outputs = new Map<string, ProducerRecord[]>()
  readonly #produced = new Set<string>()
  readonly #nextOffset = new Map<string, number>()
  readonly #stateDir: string
  readonly #builders = new Map<string, StoreBuilder>()
  readonly #ownsStateDir: boolean
  readonly #instrumentation: Instrumentation
  #wallClock: number
  #closed = false

  constructor(topology: Topology, options: TopologyTestDriverOptions = {}) {
    this.compiled = topology.compile(options.applicationId ?? 'topology-test-driver')
    this.#instrumentation = driverInstrumentation(this.compiled.applicationId, options.metrics)
    this.#wallClock = options.initialWallClockTimeMs ?? 0
    this.#ownsStateDir = options.stateDir === undefined
    this.#stateDir = options.stateDir ?? join(tmpdir(), `kstreams-test-driver-${randomUUID()}`)
    const deferred = (options as { [DEFERRED]?: boolean })[DEFERRED] === true
    for (const s of this.compiled.subtopologies) for (const store of s.stores) this.#builders.set(store.name, store.builder)
    for (const g of this.compiled.globalStores) this.#builders.set(g.storeName, g.builder)
    const base: TaskConfig = {
      applicationId: this.compiled.applicationId,
      collector: this.#collector,
      stateDir: this.#stateDir,
      time: { now: () => this.#wallClock },
      // Tests read stores after a failure, so a failed record's writes are always taken back.
      undoPartialWrites: true,
      ...(!deferred && { storeBuilderOverride: inMemorySubstitute }),
      ...(options.logger && { logger: options.logger }),
      ...(options.deserializationExceptionHandler && { deserializationExceptionHandler: options.deserializationExceptionHandler }),
      ...(options.processingExceptionHandler && { processingExceptionHandler: options.processingExceptionHandler }),
      ...(options.productionExceptionHandler && { productionExceptionHandler: options.productionExceptionHandler }),
      ...(options.maxRequestSize !== undefined && { maxRequestSize: options.maxRequestSize }),
      ...(options.defaultKeySerde && { defaultKeySerde: options.defaultKeySerde }),
      ...(options.defaultValueSerde && { defaultValueSerde: options.defaultValueSerde }),
    }
    if (this.compiled.globalStores.length > 0) this.#global = new GlobalStateTask(this.compiled.globalStores, base)
    const config: TaskConfig = { ...base, globalStores: this.#global?.stores ?? new Map() }
    for (const subtopology of this.compiled.subtopologies) {
      const task = new StreamTask(subtopology, 0, config)
      instrumentTask(task, this.#instrumentation)
      this.#tasks.push(task)
      this.#taskBySubtopology.set(subtopology.id, task)
    }
    if (deferred) return
    const asyncSerde = needsAsyncPreparation(this.#serdeUses())
    if (asyncSerde !== undefined) {
      throw new Error(
        `The ${asyncSerde.serde.name} serde of ${asyncSerde.where} needs asynchronous preparation (e.g. schema registration), ` +
          'which a constructor cannot await: use `await TopologyTestDriver.create(topology, options)`',
      )
    }
    try {
      this.#initialize()
    } catch (error) {
      throw new Error(
        `TopologyTestDriver could not initialise the topology: ${error instanceof Error ? error.message : String(error)}. ` +
          'Stores that open asynchronously need `await TopologyTestDriver.create(topology, options)`',
        { cause: error },
      )
    }
  }

  /**
   * Like the constructor, but keeps persistent stores on disk (RocksDB, under `stateDir`),
   * awaiting their asynchronous open; the constructor keeps them in memory instead.
   */
  static async create(topology: Topology, options: TopologyTestDriverOptions = {}): Promise<TopologyTestDriver> {
    const driver = new TopologyTestDriver(topology, { ...options, [DEFERRED]: true } as TopologyTestDriverOptions)
    try {
      await driver.#global?.openStores()
      for (const task of driver.#tasks) await task.openStores()
      // Stores first (their serdes learn their changelog topic), then the serdes, then the processors.
      driver.#global?.initializeStores()
      for (const task of driver.#tasks) task.initializeStores()
      await prepareSerdes(driver.#serdeUses())
      driver.#global?.initializeProcessors()
      for (const task of driver.#tasks) task.completeRestoration()
      driver.#captureOutputs()
    } catch (error) {
      try {
        driver.close()
      } catch {
        // the set-up error is the one to report
      }
      throw error
    }
    return driver
  }

  createInputTopic<K, V>(name: string, keySerde: Serde<K>, valueSerde: Serde<V>, options: TestInputTopicOptions = {}): TestInputTopic<K, V> {
    this.#assertOpen()
    if (!this.compiled.topicToSubtopology.has(name) && !this.#isGlobalTopic(name)) {
      const known = [...this.compiled.sourceTopics, ...(this.#global?.topics() ?? [])].map((t) => `"${t}"`).join(', ')
      throw new Error(`The topology does not read topic "${name}" (it reads: ${known || 'nothing'})`)
    }
    const start = options.startTimestamp instanceof Date ? options.startTimestamp.getTime() : (options.startTimestamp ?? this.#wallClock)
    return new TestInputTopic(this, name, keySerde, valueSerde, start, options.autoAdvanceMs ?? 0)
  }

  createOutputTopic<K, V>(name: string, keySerde: Serde<K>, valueSerde: Serde<V>): TestOutputTopic<K, V> {
    this.#assertOpen()
    return new TestOutputTopic(this, name, keySerde, valueSerde)
  }

  /** Moves the mock wall clock and fires the wall-clock punctuators that became due. */
  advanceWallClockTime(ms: number): void {
    this.#assertOpen()
    if (!(ms >= 0)) throw new RangeError(`advanceWallClockTime needs a non-negative duration, got ${ms}`)
    this.#wallClock += ms
    for (const task of this.#tasks) {
      if (task.maybePunctuateSystemTime(this.#wallClock)) this.#commit(task)
      this.#captureOutputs()
    }
    this.#processAll()
  }

  /** The registry of the topology's metrics (built-in and business), undefined with `metrics: false`. */
  get metricsRegistry(): Registry | undefined {
    return this.#instrumentation.metrics?.registry
  }

  get wallClockTimeMs(): number {
    return this.#wallClock
  }

  /** Records operators dropped on purpose (late for their window), all tasks: Kafka's `dropped-records-total`. */
  get droppedRecords(): number {
    let dropped = 0
    for (const task of this.#tasks) dropped += task.droppedRecords
    return dropped
  }

  getStateStore<S extends StateStore = StateStore>(name: string): S {
    const store = this.#findStore(name)
    if (store === undefined) {
      const names = [...this.getAllStateStores().keys()].map((n) => `"${n}"`).join(', ')
      throw new Error(`No state store named "${name}" in this topology (stores: ${names || 'none'})`)
    }
    return store as S
  }

  /**
   * A key-value store by name. A timestamped store (DSL aggregations) is seen through a facade
   * with plain values, as in Kafka Streams; `getTimestampedKeyValueStore` gives the real one.
   */
  getKeyValueStore<K = any, V = any>(name: string): KeyValueStore<K, V> {
    const store = this.getStateStore<KeyValueStore<K, V>>(name)
    const builder = this.#builders.get(name)
    if (builder !== undefined && isTimestampedBuilder(builder)) {
      return new KeyValueStoreFacade(store as unknown as TimestampedKeyValueStore<K, V>)
    }
    return store
  }

  getTimestampedKeyValueStore<K = any, V = any>(name: string): TimestampedKeyValueStore<K, V> {
    return this.getStateStore<TimestampedKeyValueStore<K, V>>(name)
  }

  /**
   * A window store by name. A timestamped one (DSL windowed aggregations) is seen through a
   * facade with plain values, as in Kafka Streams; `getTimestampedWindowStore` gives the real one.
   */
  getWindowStore<K = any, V = any>(name: string): WindowStore<K, V> {
    const store = this.getStateStore(name)
    if (!isWindowStore(store)) throw new Error(`State store "${name}" is not a window store`)
    const builder = this.#builders.get(name)
    if (builder !== undefined && isTimestampedWindowBuilder(builder)) {
      return new WindowStoreFacade(store as unknown as TimestampedWindowStore<K, V>)
    }
    return store as WindowStore<K, V>
  }

  getTimestampedWindowStore<K = any, V = any>(name: string): TimestampedWindowStore<K, V> {
    const store = this.getStateStore(name)
    if (!isWindowStore(store)) throw new Error(`State store "${name}" is not a window store`)
    return store as TimestampedWindowStore<K, V>
  }

  getSessionStore<K = any, AGG = any>(name: string): SessionStore<K, AGG> {
    const store = this.getStateStore(name)
    if (!isSessionStore(store)) throw new Error(`State store "${name}" is not a session store`)
    return store as SessionStore<K, AGG>
  }

  getAllStateStores(): Map<string, StateStore> {
    const all = new Map<string, StateStore>()
    for (const task of this.#tasks) for (const [name, store] of task.stateManager.stores) all.set(name, store)
    if (this.#global) for (const [name, store] of this.#global.stores) all.set(name, store)
    return all
  }

  /** Every topic the topology wrote to so far: sinks, repartition and changelog topics. */
  producedTopicNames(): Set<string> {
    return new Set(this.#produced)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    let first: unknown
    for (const task of this.#tasks) {
      try {
        task.close(task.state !== 'failed')
      } catch (error) {
        first ??= error
      }
    }
    try {
      this.#global?.close()
    } catch (error) {
      first ??= error
    }
    this.#instrumentation.metrics?.close()
    if (this.#ownsStateDir) rmSync(this.#stateDir, { recursive: true, force: true })
    if (first !== undefined) throw first
  }

  // InputSink
  pipe(topic: string, key: Buffer | null, value: Buffer | null, timestamp: number, headers: Headers): void {
    this.#assertOpen()
    this.#enqueue(topic, key, value, timestamp, toClientHeaders(headers))
    this.#processAll()
  }

  // OutputSource
  queue(topic: string): ProducerRecord[] {
    let q = this.#outputs.get(topic)
    if (q === undefined) {
      q = []
      this.#outputs.set(topic, q)
    }
    return q
  }

  #initialize(): void {
    this.#global?.initialize()
    for (const task of this.#tasks) task.initialize()
    this.#captureOutputs()
  }

  #serdeUses(): SerdeUse[] {
    const uses = this.#global?.serdeUses() ?? []
    for (const task of this.#tasks) uses.push(...task.serdeUses())
    return uses
  }

  #isGlobalTopic(topic: string): boolean {
    return this.#global?.topics().includes(topic) ?? false
  }

  #enqueue(topic: string, key: Buffer | null, value: Buffer | null, timestamp: number, headers: ClientHeaders): void {
    const offset = this.#nextOffset.get(topic) ?? 0
    this.#nextOffset.set(topic, offset + 1)
    const record: ConsumerRecord = { topic, partition: 0, offset, key, value, timestamp, headers }
    if (this.#isGlobalTopic(topic)) {
      unprepared(topic, this.#global!.prepareRecords([record]))
      this.#global!.update(record)
      return
    }
    const id = this.compiled.topicToSubtopology.get(topic)
    if (id === undefined) throw new Error(`The topology does not read topic "${topic}"`)
    const task = this.#taskBySubtopology.get(id)!
    unprepared(topic, task.prepareRecords(topic, 0, [record]))
    task.addRecords(topic, 0, [record])
  }

  /** Processes until no task has buffered records, feeding back records written to input topics. */
  #processAll(): void {
    for (;;) {
      let progressed = false
      for (const task of this.#tasks) {
        while (task.process()) {
          progressed = true
          task.maybePunctuateStreamTime()
          this.#commit(task)
          this.#captureOutputs()
        }
      }
      if (!progressed) return
    }
  }

  #commit(task: StreamTask): void {
    task.prepareCommit()
    task.postCommit()
  }

  #captureOutputs(): void {
    if (this.#collector.size === 0) return
    for (const record of this.#collector.drain()) {
      this.#produced.add(record.topic)
      this.queue(record.topic).push(record)
      if (this.compiled.topicToSubtopology.has(record.topic) || this.#isGlobalTopic(record.topic)) {
        this.#enqueue(record.topic, record.key, record.value, record.timestamp, record.headers ?? {})
      }
    }
  }

  #findStore(name: string): StateStore | undefined {
    for (const task of this.#tasks) {
      const store = task.store(name)
      if (store !== undefined) return store
    }
    return this.#global?.stores.get(name)
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('This TopologyTestDriver is closed')
  }
}
