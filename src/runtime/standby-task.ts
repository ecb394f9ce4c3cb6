import type { PartitionReader, TopicPartition } from '../client/port.ts'
import { partitionKey } from '../client/port.ts'
import type { Logger } from '../instrumentation/logger.ts'
import type { Subtopology } from '../topology/compile.ts'
import { taskId as formatTaskId } from '../topology/task-id.ts'
import { toChangelogRecords } from './changelog-restorer.ts'
import { loadCheckpoint, taskDirectory, writeCheckpoint } from './state-directory.ts'
import { StreamsError } from './task/errors.ts'
import type { RecordCollector } from './task/record-collector.ts'
import { StreamTask } from './task/stream-task.ts'
import type { TaskConfig } from './task/task-config.ts'

export interface StandbyEnvironment {
  readonly applicationId: string
  readonly stateDir: string
  readonly exactlyOnce: boolean
  readonly taskConfig: Omit<TaskConfig, 'applicationId' | 'collector' | 'stateDir'>
  readonly logger: Logger
}

/** A standby never processes, so nothing may be sent through it. */
const NO_OUTPUT: RecordCollector = {
  send() {
    throw new StreamsError('A standby task cannot produce records')
  },
  partitionsFor: () => undefined,
  flush() {},
}

/**
 * A standby task (Kafka Streams' `StandbyTask`): the task's stores, kept warm on another instance
 * by applying its changelog as the active copy writes it — read_committed under exactly-once, so
 * they only ever hold committed state. Its processors never run. When the active owner goes
 * away, the assignor prefers this instance for the task; the standby is closed with a checkpoint
 * and the new active task restores only what the standby had not applied yet.
 */
export class StandbyTask {
  readonly id: string
  readonly task: StreamTask
  readonly taskDir: string
  readonly changelogs: ReadonlyArray<TopicPartition & { readonly storeName: string }>
  /** Changelog `topic:partition` → next offset to apply. */
  readonly #positions = new Map<string, number>()
  #closed = false

  private constructor(id: string, task: StreamTask, taskDir: string) {
    this.id = id
    this.task = task
    this.taskDir = taskDir
    this.changelogs = task.stateManager.changelogPartitions()
  }

  static async create(env: StandbyEnvironment, subtopology: Subtopology, partition: number): Promise<StandbyTask> {
    const id = formatTaskId(subtopology.id, partition)
    const taskDir = taskDirectory(env.stateDir, env.applicationId, id)
    const checkpointed = loadCheckpoint(taskDir, env.exactlyOnce, env.logger)
    const task = new StreamTask(subtopology, partition, { ...env.taskConfig, applicationId: env.applicationId, stateDir: env.stateDir, collector: NO_OUTPUT })
    const standby = new StandbyTask(id, task, taskDir)
    try {
      await task.openStores()
      task.initializeStores()
    } catch (error) {
      standby.close(false)
      throw error
    }
    for (const c of standby.changelogs) {
      const key = partitionKey(c.topic, c.partition)
      const checkpoint = task.store(c.storeName)?.persistent === true ? checkpointed.get(key) : undefined
      standby.#positions.set(key, checkpoint !== undefined && checkpoint >= 0 ? checkpoint + 1 : 0)
    }
    return standby
  }

  /** Sum of the next offsets to apply: how far along this copy is, for the assignor. */
  offsetSum(): number {
    let n = 0
    for (const p of this.#positions.values()) n += p
    return n
  }

  /** Applies changelog records up to `ends` (or until `deadline`); returns the number applied. */
  async update(reader: PartitionReader, ends: ReadonlyMap<string, number>, deadline: number): Promise<number> {
    let applied = 0
    for (const c of this.changelogs) {
      const key = partitionKey(c.topic, c.partition)
      const from = this.#positions.get(key) ?? 0
      const to = ends.get(key) ?? 0
      if (from >= to) continue
      for await (const batch of reader.read({ topic: c.topic, partition: c.partition }, from, to)) {
        if (this.#closed) return applied
        const records = toChangelogRecords(batch)
        if (records.length > 0) this.task.stateManager.restore(c.storeName, records)
        const last = batch[batch.length - 1]
        if (last !== undefined) this.#positions.set(key, last.offset + 1)
        applied += records.length
        if (Date.now() >= deadline) return applied
      }
    }
    return applied
  }

  /** Flushes the stores and records how far they reflect their changelogs. */
  checkpoint(): void {
    if (this.#closed) return
    this.task.stateManager.flush()
    const offsets = new Map<string, number>()
    for (const c of this.changelogs) {
      const key = partitionKey(c.topic, c.partition)
      const next = this.#positions.get(key) ?? 0
      if (next > 0 && this.task.store(c.storeName)?.persistent === true) offsets.set(key, next - 1)
    }
    writeCheckpoint(this.taskDir, offsets)
  }

  close(clean: boolean): void {
    if (this.#closed) return
    if (clean) this.checkpoint()
    this.#closed = true
    this.task.close(clean)
  }
}
