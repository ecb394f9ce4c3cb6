import { join } from 'node:path'
import type { ConsumerRecord, TopicPartitionOffset } from '../../client/port.ts'
import type { Cancellable, Punctuator, PunctuationType } from '../../processors/processor.ts'
import { Record } from '../../processors/record.ts'
import type { StateStore } from '../../state/store.ts'
import type { Subtopology } from '../../topology/compile.ts'
import { taskId as formatTaskId } from '../../topology/task-id.ts'
import { ErrorHandling } from './error-handling.ts'
import { StreamsError } from './errors.ts'
import { PartitionGroup } from './partition-group.ts'
import { ProcessorContextImpl, type ContextHost } from './processor-context.ts'
import type { ProcessorNode } from './processor-node.ts'
import { ProcessorTopology } from './processor-topology.ts'
import type { PunctuationRunner, PunctuationSchedule } from './punctuation-queue.ts'
import type { RecordQueue } from './record-queue.ts'
import { prepareSerdes, serdeUses, type SerdeUse } from './serde-preparation.ts'
import { ProcessorStateManager } from './state-manager.ts'
import { resolveTaskConfig, type ResolvedTaskConfig, type TaskConfig } from './task-config.ts'
import { TaskFailures } from './task-failures.ts'
import { TaskPunctuation } from './task-punctuation.ts'
import { UndoLog, undoable } from './undo-log.ts'

export type TaskState = 'created' | 'restoring' | 'running' | 'failed' | 'closed'

/**
 * Runs one sub-topology for one partition (Kafka Streams' `StreamTask`): its own processors and
 * stores (processor-topology.ts), a partition group choosing the next record, punctuation, commit.
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
export class StreamTask implements ContextHost, PunctuationRunner {
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
  readonly #topology: ProcessorTopology
  readonly #partitionGroup: PartitionGroup
  readonly #punctuation: TaskPunctuation
  readonly #undo = new UndoLog()
  readonly #errors: ErrorHandling
  readonly #failures: TaskFailures
  readonly #processorStores = new Map<string, StateStore>()
  #state: TaskState = 'created'

  constructor(subtopology: Subtopology, partition: number, config: TaskConfig) {
    this.#config = resolveTaskConfig(config)
    const cfg = this.#config
    this.#errors = new ErrorHandling(cfg)
    this.#punctuation = new TaskPunctuation(cfg.time)
    this.id = formatTaskId(subtopology.id, partition)
    this.subtopology = subtopology
    this.partition = partition

    this.#topology = new ProcessorTopology(subtopology, partition, this.id, cfg, this.#errors)
    this.#partitionGroup = new PartitionGroup(this.#topology.queues)
    this.context = new ProcessorContextImpl(cfg.applicationId, this.id, this, cfg.time, this.#topology.root)
    this.#failures = new TaskFailures(this.id, this.context, this.#errors, this.#undo, () => { this.#state = 'failed' })

    this.stateManager = new ProcessorStateManager({
      applicationId: cfg.applicationId,
      taskId: this.id,
      taskStateDir: join(cfg.stateDir, cfg.applicationId, this.id),
      partition,
      collector: cfg.collector,
      changelogs: this.#topology.changelogs,
      currentTimestamp: () => this.context.timestamp,
    })
    for (const store of this.#topology.stores) {
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
    return this.#topology.nodes.values()
  }

  get streamTime(): number {
    return this.#partitionGroup.streamTime
  }

  /** The store itself (not the processors' undo-recording view), for tests and interactive queries. */
  store(name: string): StateStore | undefined {
    return this.stateManager.store(name)
  }

  openStores(): Promise<void> {
    return this.stateManager.openStores()
  }

  initializeStores(): void {
    if (this.#state !== 'created') throw new StreamsError(`Task ${this.id} stores are already initialised (${this.#state})`)
    this.stateManager.initStores()
    this.#state = 'restoring'
  }

  /** Initialises the processors (their `init` may open stores and schedule punctuators). */
  completeRestoration(): void {
    if (this.#state !== 'restoring') throw new StreamsError(`Task ${this.id} is not restoring (${this.#state})`)
    try {
      this.#topology.initProcessors(this.context, this.id)
    } catch (error) {
      this.#state = 'failed'
      throw error
    }
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
    this.#queue(topic, partition).addRawRecords(records)
  }

  /** Serdes' async look-ahead for records about to be added; undefined when nothing needs fetching. */
  prepareRecords(topic: string, partition: number, records: ReadonlyArray<ConsumerRecord>): Promise<void> | undefined {
    return this.#queue(topic, partition).prepareRawRecords(records)
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
    const queue = this.#partitionGroup.nextQueue(this.#failures)
    if (queue === undefined) return false
    const raw = queue.headRaw!
    const record = new Record(queue.headKey, queue.headValue, queue.headTimestamp, raw.headers)
    this.#partitionGroup.advance(queue)
    const ctx = this.context
    ctx.setRecordContext(raw.topic, raw.partition, raw.offset, record.timestamp)
    this.#errors.current = raw
    // Writes made outside a record (a cache flushing at commit) are not this record's to undo.
    this.#undo.clear()
    try {
      ctx.processSource(queue.source.node, record)
    } catch (error) {
      this.#failures.onProcessingError(error, raw)
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
    return this.#punctuation.maybePunctuateStreamTime(this.#partitionGroup.streamTime, this)
  }

  maybePunctuateSystemTime(now: number = this.#config.time.now()): boolean {
    return this.#punctuation.maybePunctuateSystemTime(now, this)
  }

  /** Flushes the stores and returns the offsets to commit (next offset to read per partition). */
  prepareCommit(): TopicPartitionOffset[] {
    if (this.#state === 'failed') throw new StreamsError(`Task ${this.id} failed and must be closed dirty, not committed`)
    if (this.#state === 'closed') throw new StreamsError(`Task ${this.id} is closed`)
    this.#errors.current = undefined // what caches forward now is not the last record's output
    this.stateManager.flush()
    this.#undo.clear()
    return this.#partitionGroup.consumedOffsets()
  }

  /** Next offset to read per input partition, for the partitions this task has processed from. */
  consumedOffsets(): TopicPartitionOffset[] {
    return this.#partitionGroup.consumedOffsets()
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
    let first = this.#topology.closeProcessors(this.context)
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
    return this.#punctuation.schedule(node, intervalMs, type, punctuator)
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
    this.context.setPunctuationContext(schedule.node, timestamp)
    this.#errors.current = undefined
    this.#undo.clear()
    try {
      schedule.punctuator(timestamp)
    } catch (error) {
      this.#failures.onProcessingError(error, undefined)
    }
    this.#undo.clear()
    this.commitNeeded = true
  }

  #queue(topic: string, partition: number): RecordQueue {
    const queue = this.#partitionGroup.queue(topic, partition)
    if (queue === undefined) throw new StreamsError(`Task ${this.id} does not read ${topic}-${partition}`)
    return queue
  }
}
