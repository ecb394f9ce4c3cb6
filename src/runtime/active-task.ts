import type { Admin, KafkaClient, PartitionReader, TopicPartition } from '../client/port.ts'
import { partitionKey } from '../client/port.ts'
import type { Logger } from '../instrumentation/logger.ts'
import type { Subtopology } from '../topology/compile.ts'
import { taskId as formatTaskId } from '../topology/task-id.ts'
import { ChangelogRestorer, type RestorePlan, type StateRestoreListener } from './changelog-restorer.ts'
import { ProducerRecordCollector } from './producer-record-collector.ts'
import { loadCheckpoint, taskDirectory, writeCheckpoint, type ChangelogOffsets } from './state-directory.ts'
import { StreamsProducer } from './streams-producer.ts'
import { StreamTask } from './task/stream-task.ts'
import type { TaskConfig } from './task/task-config.ts'

export interface ActiveTaskEnvironment {
  readonly applicationId: string
  readonly stateDir: string
  readonly exactlyOnce: boolean
  readonly client: KafkaClient
  readonly admin: Admin
  readonly restoreReader: PartitionReader
  /** The instance's plain producer under at-least-once; unused under exactly-once. */
  readonly sharedProducer: StreamsProducer | undefined
  readonly partitions: (topic: string) => number | undefined
  /** Engine settings shared by every task (serdes, error handlers, logger, global stores). */
  readonly taskConfig: Omit<TaskConfig, 'applicationId' | 'collector' | 'stateDir'>
  readonly logger: Logger
  readonly restoreListener: StateRestoreListener | undefined
}

/** Kafka's `OffsetCheckpoint.OFFSET_UNKNOWN`: a store checkpointed without any changelog offset. */
export const OFFSET_UNKNOWN = -4

export type ActiveTaskState = 'restoring' | 'running' | 'suspended' | 'closed'

/**
 * One assigned task as the runtime holds it: the engine's `StreamTask` plus what the engine leaves
 * to the runtime — its producer (its own under exactly-once), record collector, changelog
 * restore, and checkpoint of the changelog offsets its persistent stores reflect.
 */
export class ActiveTask {
  readonly id: string
  readonly task: StreamTask
  readonly producer: StreamsProducer
  readonly collector: ProducerRecordCollector
  /** The input partitions this task reads. */
  readonly inputs: ReadonlyArray<TopicPartition>
  readonly taskDir: string
  #state: ActiveTaskState = 'restoring'
  readonly #env: ActiveTaskEnvironment
  /** Changelog offsets the local stores reflect, from the checkpoint and then the restore. */
  readonly #storeOffsets: ChangelogOffsets
  #restorer: ChangelogRestorer | undefined
  readonly #ownsProducer: boolean

  private constructor(
    env: ActiveTaskEnvironment,
    task: StreamTask,
    producer: StreamsProducer,
    collector: ProducerRecordCollector,
    taskDir: string,
    storeOffsets: ChangelogOffsets,
    inputs: TopicPartition[],
  ) {
    this.#env = env
    this.id = task.id
    this.task = task
    this.producer = producer
    this.collector = collector
    this.taskDir = taskDir
    this.#storeOffsets = storeOffsets
    this.inputs = inputs
    this.#ownsProducer = env.exactlyOnce
  }

  static async create(env: ActiveTaskEnvironment, subtopology: Subtopology, partition: number): Promise<ActiveTask> {
    const id = formatTaskId(subtopology.id, partition)
    let producer = env.sharedProducer
    if (env.exactlyOnce) {
      // Connecting fences the previous owner's producer and aborts its open transaction, which
      // must happen before the restore reads the changelog up to its last stable offset.
      producer = new StreamsProducer(env.client, `${env.applicationId}-${id}`)
      await producer.connect()
    }
    if (!producer) throw new Error('At-least-once tasks need the shared producer')
    const collector = new ProducerRecordCollector({
      producer,
      partitions: env.partitions,
      partitionFor: (key, n) => env.client.partitionFor(key, n),
    })
    const taskDir = taskDirectory(env.stateDir, env.applicationId, id)
    const checkpointed = loadCheckpoint(taskDir, env.exactlyOnce, env.logger)
    const task = new StreamTask(subtopology, partition, {
      ...env.taskConfig,
      applicationId: env.applicationId,
      stateDir: env.stateDir,
      collector,
    })
    const inputs = subtopology.sourceTopics
      .filter((topic) => partition < (env.partitions(topic) ?? 0))
      .map((topic) => ({ topic, partition }))
    // Only persistent stores keep their contents across restarts; the others restore from scratch.
    const storeOffsets: ChangelogOffsets = new Map()
    const active = new ActiveTask(env, task, producer, collector, taskDir, storeOffsets, inputs)
    try {
      await task.openStores()
      task.initializeStores()
      // Serializing stays synchronous: schema registration and the like happen here, once per task.
      await task.prepareSerdes()
      const changelogs = task.stateManager.changelogPartitions()
      const ends = await env.admin.endOffsets(changelogs)
      const plans: RestorePlan[] = []
      for (const c of changelogs) {
        const key = partitionKey(c.topic, c.partition)
        const persistent = task.store(c.storeName)?.persistent === true
        const checkpoint = persistent ? checkpointed.get(key) : undefined
        const known = checkpoint !== undefined && checkpoint >= 0
        if (known) storeOffsets.set(key, checkpoint)
        // A checkpoint holds the offset of the last record applied (Kafka's convention).
        plans.push({ storeName: c.storeName, topic: c.topic, partition: c.partition, from: known ? checkpoint + 1 : 0, to: ends.get(key) ?? 0 })
      }
      active.#restorer = new ChangelogRestorer(env.restoreReader, plans, (store, batch) => task.stateManager.restore(store, batch), env.restoreListener)
    } catch (error) {
      await active.closeDirty()
      throw error
    }
    return active
  }

  get state(): ActiveTaskState {
    return this.#state
  }

  /** Restores for up to `budgetMs`; once caught up, initialises the processors and starts running. */
  async restore(budgetMs: number): Promise<boolean> {
    if (this.#state !== 'restoring') return true
    const restorer = this.#restorer!
    if (!(await restorer.step(budgetMs))) return false
    for (const [key, offset] of restorer.restoredOffsets()) this.#storeOffsets.set(key, offset)
    this.#env.logger.debug({ taskId: this.id, restored: restorer.totalRestored() }, 'Task restored')
    this.#restorer = undefined
    this.task.completeRestoration()
    this.#state = 'running'
    return true
  }

  /** Records restored so far (for tests and metrics). */
  restoredRecords(): number {
    return this.#restorer?.totalRestored() ?? 0
  }

  suspend(): void {
    if (this.#state === 'running') this.#state = 'suspended'
  }

  resume(): void {
    if (this.#state === 'suspended') this.#state = 'running'
  }

  /** Changelog offsets of the persistent stores: what they hold locally after the last flush. */
  changelogOffsets(): ChangelogOffsets {
    const out: ChangelogOffsets = new Map()
    for (const c of this.task.stateManager.changelogPartitions()) {
      if (this.task.store(c.storeName)?.persistent !== true) continue
      const key = partitionKey(c.topic, c.partition)
      const written = this.collector.lastWrittenOffset(c.topic, c.partition)
      const known = this.#storeOffsets.get(key)
      const offset = written === undefined ? known : known === undefined ? written : Math.max(known, written)
      // An empty store is checkpointed too, as Kafka's OFFSET_UNKNOWN, so that under exactly-once
      // a clean close is told apart from a crash.
      out.set(key, offset ?? OFFSET_UNKNOWN)
    }
    return out
  }

  /** Step 4 of a commit, and of a clean close: only after the stores and producer were flushed. */
  writeCheckpoint(): void {
    writeCheckpoint(this.taskDir, this.changelogOffsets())
  }

  /** Closes after a successful commit: stores flushed and closed, checkpoint written. */
  async closeClean(): Promise<void> {
    if (this.#state === 'closed') return
    await this.#restorer?.cancel()
    const restoring = this.#state === 'restoring'
    this.#state = 'closed'
    this.task.close(true)
    // A task closed mid-restore has stores that reflect only what was restored.
    if (restoring) for (const [key, offset] of this.#restorer?.restoredOffsets() ?? []) this.#storeOffsets.set(key, offset)
    this.writeCheckpoint()
    if (this.#ownsProducer) await this.producer.close()
  }

  /**
   * Closes without committing (a failure, a lost or fenced task): buffered output is dropped and
   * no checkpoint is written, so under exactly-once the next owner on this machine rebuilds the
   * stores from the changelog.
   */
  async closeDirty(): Promise<void> {
    if (this.#state === 'closed') return
    this.#state = 'closed'
    await this.#restorer?.cancel().catch(() => {})
    this.collector.discard()
    try {
      this.task.close(false)
    } catch (error) {
      this.#env.logger.warn({ taskId: this.id, err: error }, 'Error while closing a task dirty')
    }
    if (this.#ownsProducer) {
      await this.producer.abortTransaction().catch(() => {})
      await this.producer.close().catch(() => {})
    }
  }
}
