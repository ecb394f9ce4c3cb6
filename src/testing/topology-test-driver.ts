import { randomUUID } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Registry } from 'prom-client'
import type { ClientHeaders, ProducerRecord } from '../client/port.ts'
import type { Headers } from '../processors/record.ts'
import { InMemoryRecordCollector } from '../runtime/task/in-memory-record-collector.ts'
import { GlobalStateTask } from '../runtime/task/global-state-task.ts'
import { needsAsyncPreparation, prepareSerdes, type SerdeUse } from '../runtime/task/serde-preparation.ts'
import { StreamTask } from '../runtime/task/stream-task.ts'
import { instrumentTask, type Instrumentation } from '../runtime/task/task-instrumentation.ts'
import type { TaskConfig } from '../runtime/task/task-config.ts'
import type { Serde } from '../serdes/serde.ts'
import type { SessionStore } from '../state/session-store.ts'
import type { KeyValueStore, StateStore, TimestampedKeyValueStore } from '../state/store.ts'
import type { TimestampedWindowStore, WindowStore } from '../state/window-store.ts'
import type { CompiledTopology } from '../topology/compile.ts'
import type { Topology } from '../topology/topology.ts'
import { driverTaskConfig, type TopologyTestDriverOptions } from './driver-options.ts'
import { driverInstrumentation, toClientHeaders, unprepared } from './driver-support.ts'
import { DriverStores } from './driver-stores.ts'
import { DriverTopics } from './driver-topics.ts'
import { TestInputTopic, type InputSink, type TestInputTopicOptions } from './test-input-topic.ts'
import { TestOutputTopic, type OutputSource } from './test-output-topic.ts'

export type { TopologyTestDriverOptions } from './driver-options.ts'

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
  readonly #topics = new DriverTopics()
  readonly #stateDir: string
  readonly #stores: DriverStores
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
    const base = driverTaskConfig(options, {
      applicationId: this.compiled.applicationId,
      collector: this.#collector,
      stateDir: this.#stateDir,
      time: { now: () => this.#wallClock },
      inMemoryStores: !deferred,
    })
    if (this.compiled.globalStores.length > 0) this.#global = new GlobalStateTask(this.compiled.globalStores, base)
    const config: TaskConfig = { ...base, globalStores: this.#global?.stores ?? new Map() }
    for (const subtopology of this.compiled.subtopologies) {
      const task = new StreamTask(subtopology, 0, config)
      instrumentTask(task, this.#instrumentation)
      this.#tasks.push(task)
      this.#taskBySubtopology.set(subtopology.id, task)
    }
    this.#stores = new DriverStores(this.compiled, this.#tasks, this.#global)
    if (deferred) return
    const asyncSerde = needsAsyncPreparation(this.#serdeUses())
    if (asyncSerde !== undefined) {
      throw new Error(
        `The ${asyncSerde.serde.name} serde of ${asyncSerde.where} needs asynchronous preparation (e.g. schema registration), ` +
          'which a constructor cannot await: use `await TopologyTestDriver.create(topology, options)`',
      )
    }
    try {
      this.#global?.initialize()
      for (const task of this.#tasks) task.initialize()
      this.#captureOutputs()
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
    return this.#tasks.reduce((dropped, task) => dropped + task.droppedRecords, 0)
  }

  getStateStore<S extends StateStore = StateStore>(name: string): S {
    return this.#stores.get<S>(name)
  }

  /**
   * A key-value store by name. A timestamped store (DSL aggregations) is seen through a facade
   * with plain values, as in Kafka Streams; `getTimestampedKeyValueStore` gives the real one.
   */
  getKeyValueStore<K = any, V = any>(name: string): KeyValueStore<K, V> {
    return this.#stores.keyValue<K, V>(name)
  }

  getTimestampedKeyValueStore<K = any, V = any>(name: string): TimestampedKeyValueStore<K, V> {
    return this.#stores.get<TimestampedKeyValueStore<K, V>>(name)
  }

  /**
   * A window store by name. A timestamped one (DSL windowed aggregations) is seen through a
   * facade with plain values, as in Kafka Streams; `getTimestampedWindowStore` gives the real one.
   */
  getWindowStore<K = any, V = any>(name: string): WindowStore<K, V> {
    return this.#stores.window<K, V>(name)
  }

  getTimestampedWindowStore<K = any, V = any>(name: string): TimestampedWindowStore<K, V> {
    return this.#stores.timestampedWindow<K, V>(name)
  }

  getSessionStore<K = any, AGG = any>(name: string): SessionStore<K, AGG> {
    return this.#stores.session<K, AGG>(name)
  }

  getAllStateStores(): Map<string, StateStore> {
    return this.#stores.all()
  }

  /** Every topic the topology wrote to so far: sinks, repartition and changelog topics. */
  producedTopicNames(): Set<string> {
    return this.#topics.producedTopicNames()
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
    return this.#topics.queue(topic)
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
    const record = this.#topics.append(topic, key, value, timestamp, headers)
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
      this.#topics.written(record)
      if (this.compiled.topicToSubtopology.has(record.topic) || this.#isGlobalTopic(record.topic)) {
        this.#enqueue(record.topic, record.key, record.value, record.timestamp, record.headers ?? {})
      }
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('This TopologyTestDriver is closed')
  }
}
