import type { Consumer, ConsumerRecord, TopicPartition, TopicPartitionOffset } from '../client/port.ts'
import { partitionKey } from '../client/port.ts'
import { commitChannel, type CommitMessage } from '../instrumentation/channels.ts'
import type { Logger } from '../instrumentation/logger.ts'
import type { CompiledTopology } from '../topology/compile.ts'
import { parseTaskId } from '../topology/task-id.ts'
import { ActiveTask, type ActiveTaskEnvironment } from './active-task.ts'
import { commitTasks, type CommitContext } from './commit.ts'
import { detachTask, instrumentTask, NO_INSTRUMENTATION, type Instrumentation } from './task/task-instrumentation.ts'

/**
 * The tasks this instance runs (Kafka Streams' `TaskManager`): creates them from an assignment,
 * routes polled records to them, restores and processes them, and commits or closes them. Under
 * the eager protocol every rebalance revokes everything, so revoked tasks are committed and
 * *suspended* rather than closed: a task assigned back — the common case — resumes with its
 * stores open instead of restoring again.
 */
export class TaskManager {
  readonly #env: ActiveTaskEnvironment
  readonly #topology: CompiledTopology
  readonly #consumer: Consumer
  readonly #commitContext: (checkpoint: boolean) => CommitContext
  readonly #logger: Logger
  readonly #instrumentation: Instrumentation
  readonly #tasks = new Map<string, ActiveTask>()
  readonly #byInput = new Map<string, ActiveTask>()
  /**
   * Per input partition, the lowest offset its task may still be handed: where it was seeked to,
   * then past each run it was given. A batch the client fetched from an older position before the
   * seek (kafkajs starts a new member at the committed offsets it read when it joined, which can
   * predate the previous owner's last transaction) must never be processed: under exactly-once
   * its effects are already in the restored state and the committed output.
   */
  readonly #floor = new Map<string, number>()
  /** What tasks already closed had dropped: the count outlives them, as Kafka's task metrics roll up. */
  #droppedByClosedTasks = 0

  constructor(options: {
    readonly env: ActiveTaskEnvironment
    readonly topology: CompiledTopology
    readonly consumer: Consumer
    readonly commitContext: (checkpoint: boolean) => CommitContext
    readonly instrumentation?: Instrumentation
  }) {
    this.#env = options.env
    this.#topology = options.topology
    this.#consumer = options.consumer
    this.#commitContext = options.commitContext
    this.#logger = options.env.logger
    this.#instrumentation = options.instrumentation ?? NO_INSTRUMENTATION
  }

  tasks(): IterableIterator<ActiveTask> {
    return this.#tasks.values()
  }

  /** Records operators dropped on purpose (Kafka's `dropped-records-total`), open and closed tasks. */
  droppedRecords(): number {
    let dropped = this.#droppedByClosedTasks
    for (const t of this.#tasks.values()) dropped += t.task.droppedRecords
    return dropped
  }

  task(id: string): ActiveTask | undefined {
    return this.#tasks.get(id)
  }

  /** Ids of running (or suspended) tasks, for the assignor's stickiness. */
  activeTaskIds(): string[] {
    return [...this.#tasks.keys()]
  }

  isRestoring(): boolean {
    for (const t of this.#tasks.values()) if (t.state === 'restoring') return true
    return false
  }

  /** Eager rebalance, first half: commit everything, then suspend (not close) every task. */
  async handleRevocation(): Promise<void> {
    await this.commit()
    for (const t of this.#tasks.values()) {
      t.suspend()
      t.task.clearBuffers()
    }
  }

  /** Eager rebalance, second half: resume kept tasks, close the others, create the new ones. */
  async handleAssignment(taskIds: ReadonlyArray<string>): Promise<void> {
    const wanted = new Set(taskIds)
    for (const [id, t] of this.#tasks) {
      if (wanted.has(id) && t.state !== 'closed') continue
      await this.#remove(id, t, true)
    }
    const created: ActiveTask[] = []
    for (const id of taskIds) {
      const existing = this.#tasks.get(id)
      if (existing) {
        existing.resume()
        this.#seekToConsumed(existing)
        continue
      }
      const { subtopology, partition } = parseTaskId(id)
      // Each task logs through a child logger naming it, its own lines and its stores' alike.
      const logger = this.#logger.child({ component: 'task', taskId: id, partition })
      const env = { ...this.#env, logger, taskConfig: { ...this.#env.taskConfig, logger } }
      const task = await ActiveTask.create(env, this.#topology.subtopology(subtopology), partition)
      instrumentTask(task.task, this.#instrumentation)
      this.#tasks.set(id, task)
      created.push(task)
      for (const tp of task.inputs) this.#byInput.set(partitionKey(tp.topic, tp.partition), task)
    }
    if (this.#env.exactlyOnce) await this.#seekToCommitted(created)
    await this.#applyOffsetResets(taskIds)
    const restoring = [...this.#tasks.values()].filter((t) => t.state === 'restoring').flatMap((t) => t.inputs)
    if (restoring.length > 0) this.#consumer.pause(restoring)
  }

  /** Restores the restoring tasks within `budgetMs`; a finished task's partitions are resumed. */
  async restore(budgetMs: number): Promise<void> {
    const restoring = [...this.#tasks.values()].filter((t) => t.state === 'restoring')
    if (restoring.length === 0) return
    // Concurrently: while one task applies a batch (synchronously), the others' fetches are in flight.
    await Promise.all(restoring.map(async (t) => {
      if (await t.restore(budgetMs)) this.#consumer.resume(t.inputs)
    }))
  }

  addRecords(records: ReadonlyArray<ConsumerRecord>): Promise<void> | undefined {
    let pending: Promise<void>[] | undefined
    let start = 0
    // A poll returns records grouped by partition: hand each run over as one slice.
    while (start < records.length) {
      const first = records[start]!
      let end = start + 1
      while (end < records.length && records[end]!.partition === first.partition && records[end]!.topic === first.topic) end++
      const slice = start === 0 && end === records.length ? records : records.slice(start, end)
      const key = partitionKey(first.topic, first.partition)
      const task = this.#byInput.get(key)
      let run = slice
      const floor = this.#floor.get(key)
      if (floor !== undefined && first.offset < floor) {
        run = slice.filter((r) => r.offset >= floor)
        this.#logger.warn({ topic: first.topic, partition: first.partition, from: first.offset, floor, dropped: slice.length - run.length }, 'Dropping records fetched from before the offset the task was seeked to')
      }
      if (task === undefined || task.state === 'closed') {
        this.#logger.warn({ topic: first.topic, partition: first.partition }, 'Dropping records of a partition without a task')
      } else if (run.length > 0) {
        this.#floor.set(key, run[run.length - 1]!.offset + 1)
        const prepared = task.task.prepareRecords(first.topic, first.partition, run)
        if (prepared !== undefined) (pending ??= []).push(prepared)
        task.task.addRecords(first.topic, first.partition, run)
      }
      start = end
    }
    return pending === undefined ? undefined : Promise.all(pending).then(() => undefined)
  }

  /**
   * Processes every running task until its buffer is drained — synchronously, as processing
   * never awaits — with stream-time punctuation after each record and wall-clock punctuation
   * after each task; then starts shipping the output. Returns the number of records processed.
   */
  process(now: number): number {
    let processed = 0
    for (const t of this.#tasks.values()) {
      if (t.state !== 'running') continue
      // Sinks measure end-to-end latency against the loop's wall clock, as Kafka Streams' tasks do.
      t.task.context.systemTimeMs = now
      processed += t.task.processBatch(Number.MAX_SAFE_INTEGER)
      t.task.maybePunctuateSystemTime(now)
      t.collector.ship()
    }
    return processed
  }

  /** A processor asked for a commit, or a task's output failed to send (the commit surfaces the error). */
  commitRequested(): boolean {
    for (const t of this.#tasks.values()) if (t.state === 'running' && (t.task.commitRequested || t.collector.failed)) return true
    return false
  }

  async commit(options: { readonly checkpoint?: boolean } = {}): Promise<number> {
    const ctx = this.#commitContext(options.checkpoint ?? !this.#env.exactlyOnce)
    const metrics = this.#instrumentation.metrics
    const start = performance.now()
    let committed: number
    if (commitChannel.hasSubscribers) {
      const message: CommitMessage = { applicationId: this.#env.applicationId, exactlyOnce: ctx.exactlyOnce, taskIds: this.activeTaskIds() }
      committed = await commitChannel.tracePromise(async () => (message.committed = await commitTasks(this.#tasks.values(), ctx)), message)
    } else {
      committed = await commitTasks(this.#tasks.values(), ctx)
    }
    if (committed > 0 && metrics !== undefined) {
      metrics.commits++
      metrics.commit.observe((performance.now() - start) / 1000)
    }
    return committed
  }

  /** Clean shutdown: commit, then close every task (checkpoints written, under exactly-once too). */
  async closeClean(): Promise<void> {
    await this.commit({ checkpoint: true })
    for (const [id, t] of this.#tasks) await this.#remove(id, t, true)
  }

  /** After a failure or a migration: close every task without committing. */
  async closeDirty(): Promise<void> {
    for (const [id, t] of this.#tasks) await this.#remove(id, t, false)
  }

  async #remove(id: string, t: ActiveTask, clean: boolean): Promise<void> {
    this.#tasks.delete(id)
    this.#droppedByClosedTasks += t.task.droppedRecords
    detachTask(id, this.#instrumentation)
    for (const tp of t.inputs) {
      const key = partitionKey(tp.topic, tp.partition)
      if (this.#byInput.get(key) === t) this.#byInput.delete(key)
      this.#floor.delete(key)
    }
    if (!clean) return t.closeDirty()
    try {
      await t.closeClean()
    } catch (error) {
      this.#logger.warn({ taskId: id, err: error }, 'Clean close failed; closing dirty')
      await t.closeDirty()
    }
  }

  /**
   * A task kept across a rebalance goes on from where it stopped. The consumer restarts retained
   * partitions from their committed offsets, which can lag: under exactly-once the transaction's
   * offsets become visible only after its markers are written, so a rejoin right after a commit
   * may read the previous ones and process records twice.
   */
  #seekToConsumed(task: ActiveTask): void {
    for (const tp of task.task.consumedOffsets()) this.#seek(tp)
  }

  /**
   * Under exactly-once the consumer's start positions may predate the previous owner's last
   * transaction: kafkajs fetches committed offsets when it joins, and a previous owner that
   * noticed the rebalance late commits its transaction (offsets included) after that — a
   * transactional offset commit needs no group membership. Creating the task initialised its
   * producer, which fenced the previous owner and settled its transaction; the committed offsets
   * read now are final (the role of Java's `requireStable` offset fetch, KIP-447).
   */
  async #seekToCommitted(tasks: ReadonlyArray<ActiveTask>): Promise<void> {
    const inputs = tasks.flatMap((t) => t.inputs)
    if (inputs.length === 0) return
    const committed = await this.#consumer.committed(inputs)
    for (const tp of inputs) {
      const offset = committed.get(partitionKey(tp.topic, tp.partition))
      if (offset !== undefined) this.#seek({ ...tp, offset })
    }
  }

  #seek(position: TopicPartitionOffset): void {
    this.#consumer.seek(position)
    this.#floor.set(partitionKey(position.topic, position.partition), position.offset)
  }

  /** Sources configured with `offsetReset: 'latest'` start at the end when nothing is committed. */
  async #applyOffsetResets(taskIds: ReadonlyArray<string>): Promise<void> {
    const latest: TopicPartition[] = []
    for (const id of taskIds) {
      const t = this.#tasks.get(id)
      if (!t) continue
      for (const tp of t.inputs) {
        if (t.task.subtopology.sourceByTopic.get(tp.topic)?.spec.offsetReset === 'latest') latest.push(tp)
      }
    }
    if (latest.length === 0) return
    const committed = await this.#consumer.committed(latest)
    const fresh = latest.filter((tp) => !committed.has(partitionKey(tp.topic, tp.partition)))
    if (fresh.length === 0) return
    const ends = await this.#env.admin.endOffsets(fresh)
    for (const tp of fresh) {
      const end = ends.get(partitionKey(tp.topic, tp.partition))
      if (end !== undefined) this.#consumer.seek({ ...tp, offset: end })
    }
  }
}
