import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { ConsumerRecord, TopicPartitionOffset } from '../../client/port.ts'
import type { Cancellable, Punctuator, PunctuationType } from '../../processors/processor.ts'
import { Record } from '../../processors/record.ts'
import type { StateStore } from '../../state/store.ts'
import type { Subtopology } from '../../topology/compile.ts'
import { taskId as formatTaskId } from '../../topology/task-id.ts'
import { errorMessage, ErrorHandling } from './error-handling.ts'
import { ProcessingError, StreamsError } from './errors.ts'
import { PartitionGroup } from './partition-group.ts'
import { ProcessorContextImpl, type ContextHost } from './processor-context.ts'
import { ProcessorNode, SOURCE_PROCESSOR } from './processor-node.ts'
import { PunctuationQueue, type PunctuationRunner, type PunctuationSchedule } from './punctuation-queue.ts'
import { RecordQueue, type HeadFailureHandler } from './record-queue.ts'
import { SinkProcessor } from './sink-node.ts'
import { SourceNode } from './source-node.ts'
import { prepareSerdes, serdeUses, type SerdeUse } from './serde-preparation.ts'
import { ProcessorStateManager } from './state-manager.ts'
import { supply } from './supply.ts'
import { resolveTaskConfig, type ResolvedTaskConfig, type TaskConfig } from './task-config.ts'
import { UndoLog, undoable } from './undo-log.ts'

export type TaskState = 'created' | 'restoring' | 'running' | 'failed' | 'closed'

/**
 * Runs one sub-topology for one partition (Kafka Streams' `StreamTask`): fresh processors and
 * stores for this task, a partition group choosing the next record, punctuation, and commit.
 *
 * Lifecycle: construct → `await openStores()` (RocksDB opens asynchronously) → `initializeStores()` →
 * the runtime restores changelogs through `stateManager` → `completeRestoration()` (processors'
 * `init`) → `addRecords` / `process` / `maybePunctuate*` / `prepareCommit` + `postCommit` →
 * `close(clean)`. `initialize()` does the synchronous steps at once, for the test driver.
 *
 * A record whose processing fails under `fail` leaves the task `failed`: it can no longer commit
 * and must be closed dirty, so nothing of that record is committed or flushed. With
 * `undoPartialWrites` (on whenever the handler may `continue`, and in the test driver) its store
 * writes are also taken back at once by the undo log (see undo-log.ts).
 */
export class StreamTask implements ContextHost, HeadFailureHandler, PunctuationRunner {
  readonly id: string
  readonly subtopology: Subtopology
  readonly partition: number
  readonly context: ProcessorContextImpl
  readonly stateManager: ProcessorStateManager
  /** True once something was processed or punctuated since the last commit. */
  commitNeeded = false
  /** A processor called `context.commit()`. */
  commitRequested = false
  /** Records DSL operators dropped on purpose (late for their window), Kafka's `dropped-records-total`. */
  droppedRecords = 0

  readonly #config: ResolvedTaskConfig
  readonly #nodes = new Map<string, ProcessorNode>()
  readonly #partitionGroup: PartitionGroup
  readonly #streamTimePunctuation = new PunctuationQueue()
  readonly #wallClockPunctuation = new PunctuationQueue()
  readonly #undo = new UndoLog()
  readonly #errors: ErrorHandling
  readonly #processorStores = new Map<string, StateStore>()
  #state: TaskState = 'created'
  #processorsInitialized = false

  constructor(subtopology: Subtopology, partition: number, config: TaskConfig) {
    this.#config = resolveTaskConfig(config)
    const cfg = this.#config
    this.#errors = new ErrorHandling(cfg)
    this.id = formatTaskId(subtopology.id, partition)
    this.subtopology = subtopology
    this.partition = partition

    const queues: RecordQueue[] = []
    for (const spec of subtopology.nodes) {
      let node: ProcessorNode
      if (spec.kind === 'source') {
        node = new ProcessorNode(spec.name, SOURCE_PROCESSOR)
        const source = new SourceNode(
          node,
          spec.spec.keySerde ?? cfg.defaultKeySerde,
          spec.spec.valueSerde ?? cfg.defaultValueSerde,
          spec.spec.timestampExtractor,
        )
        for (const topic of spec.topics) queues.push(new RecordQueue(topic, partition, source))
      } else if (spec.kind === 'processor') {
        node = new ProcessorNode(spec.name, supply(spec.name, spec.supplier), new Set(spec.stores))
      } else {
        const sink = new SinkProcessor(
          spec.name,
          spec.topic,
          spec.spec.keySerde ?? cfg.defaultKeySerde,
          spec.spec.valueSerde ?? cfg.defaultValueSerde,
          spec.spec.partitioner,
          cfg.collector,
          { taskId: this.id, errors: this.#errors, maxRequestSize: cfg.maxRequestSize, topicMessageLimits: cfg.topicMessageLimits },
        )
        node = new ProcessorNode(spec.name, sink)
      }
      if (spec.kind !== 'source') for (const parent of spec.parents) this.#nodes.get(parent)!.addChild(node)
      this.#nodes.set(spec.name, node)
    }
    this.#partitionGroup = new PartitionGroup(queues)
    this.context = new ProcessorContextImpl(cfg.applicationId, this.id, this, cfg.time, queues[0]?.source.node ?? new ProcessorNode('', SOURCE_PROCESSOR))

    const changelogs = new Map<string, string>()
    for (const s of subtopology.stores) if (s.changelogTopic !== undefined) changelogs.set(s.name, s.changelogTopic)
    this.stateManager = new ProcessorStateManager({
      applicationId: cfg.applicationId,
      taskId: this.id,
      taskStateDir: join(cfg.stateDir, cfg.applicationId, this.id),
      partition,
      collector: cfg.collector,
      changelogs,
      currentTimestamp: () => this.context.timestamp,
    })
    for (const compiled of subtopology.stores) {
      const store = cfg.storeBuilderOverride(compiled.builder).build()
      if (store.name !== compiled.name) {
        throw new StreamsError(`Store builder "${compiled.name}" built a store named "${store.name}"`)
      }
      this.stateManager.addStore(store)
      // A persistent store keeps what reached its files across a dirty close (a RocksDB store writes
      // its pending batch early on range reads and when it grows, and on close), so its writes are
      // always undoable: a failed record's writes are taken back even under `fail`.
      this.#processorStores.set(store.name, cfg.undoPartialWrites || store.persistent ? undoable(store, this.#undo) : store)
    }
  }

  get state(): TaskState {
    return this.#state
  }

  /** The processor graph's nodes (sources, processors, sinks), for the metrics layer. */
  nodes(): IterableIterator<ProcessorNode> {
    return this.#nodes.values()
  }

  get streamTime(): number {
    return this.#partitionGroup.streamTime
  }

  /** The store itself (not the processors' undo-recording view), for tests and interactive queries. */
  store(name: string): StateStore | undefined {
    return this.stateManager.store(name)
  }

  async openStores(): Promise<void> {
    this.#ensureStateDir()
    for (const store of this.stateManager.stores.values()) await store.open?.(this.stateManager)
  }

  initializeStores(): void {
    if (this.#state !== 'created') throw new StreamsError(`Task ${this.id} stores are already initialised (${this.#state})`)
    this.#ensureStateDir()
    for (const store of this.stateManager.stores.values()) store.init(this.stateManager)
    this.#state = 'restoring'
  }

  /** Initialises the processors (their `init` may open stores and schedule punctuators). */
  completeRestoration(): void {
    if (this.#state !== 'restoring') throw new StreamsError(`Task ${this.id} is not restoring (${this.#state})`)
    const ctx = this.context
    for (const node of this.#nodes.values()) {
      if (node.processor.init === undefined) continue
      ctx.currentNode = node
      try {
        node.processor.init(ctx)
      } catch (error) {
        this.#state = 'failed'
        throw new StreamsError(`Task ${this.id}: processor "${node.name}" failed to initialise: ${errorMessage(error)}`, { cause: error })
      }
    }
    this.#processorsInitialized = true
    this.#state = 'running'
  }

  /** The serdes this task uses and the topics they write (after `initializeStores()`). */
  serdeUses(): SerdeUse[] {
    const defaults = { key: this.#config.defaultKeySerde, value: this.#config.defaultValueSerde }
    return serdeUses(this.subtopology, defaults, this.stateManager.stores.values(), (name) => this.stateManager.changelogTopic(name))
  }

  /** Awaits the serdes' async set-up (schema registration) before the first record is processed. */
  prepareSerdes(): Promise<void> {
    return prepareSerdes(this.serdeUses())
  }

  /** Synchronous set-up without restoration: stores that need `openStores()` are an error here. */
  initialize(): void {
    this.initializeStores()
    this.completeRestoration()
  }

  addRecords(topic: string, partition: number, records: ReadonlyArray<ConsumerRecord>): void {
    const queue = this.#partitionGroup.queue(topic, partition)
    if (queue === undefined) throw new StreamsError(`Task ${this.id} does not read ${topic}-${partition}`)
    queue.addRawRecords(records)
  }

  /** Serdes' async look-ahead for records about to be added; undefined when nothing needs fetching. */
  prepareRecords(topic: string, partition: number, records: ReadonlyArray<ConsumerRecord>): Promise<void> | undefined {
    const queue = this.#partitionGroup.queue(topic, partition)
    if (queue === undefined) throw new StreamsError(`Task ${this.id} does not read ${topic}-${partition}`)
    let pending: Promise<void>[] | undefined
    for (const r of records) {
      const p = queue.source.prepare(topic, r.key, r.value)
      if (p !== undefined) (pending ??= []).push(p)
    }
    return pending === undefined ? undefined : Promise.all(pending).then(() => undefined)
  }

  numBuffered(): number {
    return this.#partitionGroup.numBuffered()
  }

  allPartitionsBuffered(): boolean {
    return this.#partitionGroup.allPartitionsBuffered()
  }

  /** Processes the next record (lowest head timestamp first); false when nothing is buffered. */
  process(): boolean {
    if (this.#state !== 'running') throw new StreamsError(`Task ${this.id} cannot process while ${this.#state}`)
    const queue = this.#partitionGroup.nextQueue(this)
    if (queue === undefined) return false
    const raw = queue.headRaw!
    const record = new Record(queue.headKey, queue.headValue, queue.headTimestamp, raw.headers)
    this.#partitionGroup.advance(queue)
    const ctx = this.context
    ctx.recordTopic = raw.topic
    ctx.recordPartition = raw.partition
    ctx.recordOffset = raw.offset
    ctx.timestamp = record.timestamp
    this.#errors.current = raw
    // Writes made outside a record (a cache flushing at commit) are not this record's to undo.
    this.#undo.clear()
    try {
      ctx.processSource(queue.source.node, record)
    } catch (error) {
      this.#onProcessingError(error, raw)
    }
    this.#undo.clear()
    this.commitNeeded = true
    return true
  }

  /** Processes up to `max` records, punctuating on stream time after each; returns how many. */
  processBatch(max: number): number {
    let n = 0
    while (n < max && this.process()) {
      n++
      this.maybePunctuateStreamTime()
    }
    return n
  }

  maybePunctuateStreamTime(): boolean {
    const streamTime = this.#partitionGroup.streamTime
    if (streamTime < 0) return false
    return this.#streamTimePunctuation.mayPunctuate(streamTime, this)
  }

  maybePunctuateSystemTime(now: number = this.#config.time.now()): boolean {
    return this.#wallClockPunctuation.mayPunctuate(now, this)
  }

  /** Flushes the stores and returns the offsets to commit (next offset to read per partition). */
  prepareCommit(): TopicPartitionOffset[] {
    if (this.#state === 'failed') throw new StreamsError(`Task ${this.id} failed and must be closed dirty, not committed`)
    if (this.#state === 'closed') throw new StreamsError(`Task ${this.id} is closed`)
    this.#errors.current = undefined // what caches forward now is not the last record's output
    this.stateManager.flush()
    this.#undo.clear()
    const offsets: TopicPartitionOffset[] = []
    for (const q of this.#partitionGroup.queues) {
      if (q.consumedOffset >= 0) offsets.push({ topic: q.topic, partition: q.partition, offset: q.consumedOffset })
    }
    return offsets
  }

  /** Next offset to read per input partition, for the partitions this task has processed from. */
  consumedOffsets(): TopicPartitionOffset[] {
    const offsets: TopicPartitionOffset[] = []
    for (const q of this.#partitionGroup.queues) {
      if (q.consumedOffset >= 0) offsets.push({ topic: q.topic, partition: q.partition, offset: q.consumedOffset })
    }
    return offsets
  }

  /** Drops buffered, unprocessed records (partitions revoked: they are fetched again from the consumed position). */
  clearBuffers(): void {
    this.#partitionGroup.clear()
  }

  postCommit(): void {
    this.commitNeeded = false
    this.commitRequested = false
  }

  /**
   * Clean: processors closed, stores flushed and closed. Dirty (after a failure or a lost
   * partition): nothing is flushed, so uncommitted writes are dropped where the store allows it.
   */
  close(clean: boolean): void {
    if (this.#state === 'closed') return
    let first: unknown
    for (const node of this.#nodes.values()) {
      if (node.processor.close === undefined || !this.#processorsInitialized) continue
      this.context.currentNode = node
      try {
        node.processor.close()
      } catch (error) {
        first ??= error
      }
    }
    try {
      this.#errors.current = undefined
      if (clean && this.#state !== 'failed') this.stateManager.flush()
    } catch (error) {
      first ??= error
    }
    try {
      this.stateManager.close()
    } catch (error) {
      first ??= error
    }
    this.#partitionGroup.clear()
    this.#state = 'closed'
    if (first !== undefined && clean) throw first
  }

  // ContextHost
  processorStore(name: string): StateStore | undefined {
    return this.#processorStores.get(name)
  }

  globalStore(name: string): StateStore | undefined {
    return this.#config.globalStores.get(name)
  }

  schedule(node: ProcessorNode, intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable {
    if (type === 'stream-time') {
      // Aligned to 0, like Kafka: fires as soon as there is stream time, then every interval.
      return this.#streamTimePunctuation.schedule(node, type, 0, intervalMs, punctuator)
    }
    return this.#wallClockPunctuation.schedule(node, type, this.#config.time.now() + intervalMs, intervalMs, punctuator)
  }

  requestCommit(): void {
    this.commitRequested = true
  }

  recordDropped(node: ProcessorNode, reason: string, details: { readonly [key: string]: unknown }): void {
    this.droppedRecords++
    this.#config.logger.warn({ taskId: this.id, processor: node.name, ...details }, reason)
  }

  // PunctuationRunner
  runPunctuator(schedule: PunctuationSchedule, timestamp: number): void {
    const ctx = this.context
    ctx.currentNode = schedule.node
    ctx.recordTopic = undefined
    ctx.recordPartition = -1
    ctx.recordOffset = -1
    ctx.timestamp = timestamp
    this.#errors.current = undefined
    this.#undo.clear()
    try {
      schedule.punctuator(timestamp)
    } catch (error) {
      this.#onProcessingError(error, undefined)
    }
    this.#undo.clear()
    this.commitNeeded = true
  }

  // HeadFailureHandler
  onDeserializationError(queue: RecordQueue, raw: ConsumerRecord, error: unknown): void {
    const origin = { taskId: this.id, node: queue.source.name, topic: raw.topic, partition: raw.partition, offset: raw.offset }
    try {
      this.#errors.deserializationFailed(origin, raw, error)
    } catch (failure) {
      this.#state = 'failed'
      throw failure
    }
  }

  onInvalidTimestamp(queue: RecordQueue, raw: ConsumerRecord, timestamp: unknown): void {
    this.#errors.invalidTimestamp({ taskId: this.id, node: queue.source.name, topic: raw.topic, partition: raw.partition, offset: raw.offset }, timestamp)
  }

  #onProcessingError(error: unknown, raw: ConsumerRecord | undefined): void {
    const origin = { taskId: this.id, node: this.context.currentNode.name, topic: raw?.topic, partition: raw?.partition, offset: raw?.offset }
    try {
      this.#undo.rollback()
      this.#errors.processingFailed(origin, raw, error, this.context.timestamp)
    } catch (failure) {
      this.#state = 'failed'
      throw failure instanceof ProcessingError ? failure : new ProcessingError(origin, failure)
    }
  }

  #ensureStateDir(): void {
    for (const store of this.stateManager.stores.values()) {
      if (store.persistent) {
        mkdirSync(this.stateManager.taskStateDir, { recursive: true })
        return
      }
    }
  }
}
