import type { Admin, PartitionReader, TopicPartition } from '../client/port.ts'
import type { CompiledTopology } from '../topology/compile.ts'
import { parseTaskId } from '../topology/task-id.ts'
import { StandbyTask, type StandbyEnvironment } from './standby-task.ts'

/** Longest one standby update runs before the thread polls again. */
const UPDATE_BUDGET_MS = 50

/**
 * The standby tasks of a stream thread: created and closed as assignments come, and brought up to
 * the changelogs' ends every `updateIntervalMs` from the thread's loop (bounded in time, so
 * polling and processing go on), checkpointed every `commitIntervalMs`.
 */
export class StandbyTasks {
  readonly #env: StandbyEnvironment
  readonly #topology: CompiledTopology
  readonly #admin: Admin
  readonly #reader: PartitionReader
  readonly #updateIntervalMs: number
  readonly #commitIntervalMs: number
  readonly #tasks = new Map<string, StandbyTask>()
  #lastUpdate = 0
  #lastCheckpoint = Date.now()

  constructor(options: {
    readonly env: StandbyEnvironment
    readonly topology: CompiledTopology
    readonly admin: Admin
    readonly reader: PartitionReader
    readonly updateIntervalMs: number
    readonly commitIntervalMs: number
  }) {
    this.#env = options.env
    this.#topology = options.topology
    this.#admin = options.admin
    this.#reader = options.reader
    this.#updateIntervalMs = options.updateIntervalMs
    this.#commitIntervalMs = options.commitIntervalMs
  }

  ids(): string[] {
    return [...this.#tasks.keys()]
  }

  task(id: string): StandbyTask | undefined {
    return this.#tasks.get(id)
  }

  /** Task id → how far along each standby is (for the subscription). */
  offsets(): { [taskId: string]: number } {
    const out: { [taskId: string]: number } = {}
    for (const [id, t] of this.#tasks) out[id] = t.offsetSum()
    return out
  }

  /** Closes (with a checkpoint) the standbys not in `ids`: unassigned, or about to become active here. */
  retain(ids: ReadonlyArray<string>): void {
    const keep = new Set(ids)
    for (const [id, t] of this.#tasks) {
      if (keep.has(id)) continue
      this.#tasks.delete(id)
      this.#closeQuietly(t, true)
    }
  }

  async create(ids: ReadonlyArray<string>): Promise<void> {
    for (const id of ids) {
      if (this.#tasks.has(id)) continue
      const { subtopology, partition } = parseTaskId(id)
      try {
        this.#tasks.set(id, await StandbyTask.create(this.#env, this.#topology.subtopology(subtopology), partition))
      } catch (error) {
        // A standby is an optimisation: without it the task restores fully if it moves here.
        this.#env.logger.warn({ taskId: id, err: error }, 'Could not create a standby task; going on without it')
      }
    }
  }

  /** Applies new changelog records when the update interval is up; checkpoints at the commit interval. */
  async maybeUpdate(now: number): Promise<void> {
    if (this.#tasks.size === 0 || now - this.#lastUpdate < this.#updateIntervalMs) return
    this.#lastUpdate = now
    const partitions: TopicPartition[] = []
    for (const t of this.#tasks.values()) for (const c of t.changelogs) partitions.push({ topic: c.topic, partition: c.partition })
    const ends = await this.#admin.endOffsets(partitions)
    const deadline = Date.now() + UPDATE_BUDGET_MS
    for (const t of [...this.#tasks.values()]) {
      if (this.#tasks.get(t.id) !== t) continue
      await t.update(this.#reader, ends, deadline)
      if (Date.now() >= deadline) break
    }
    if (now - this.#lastCheckpoint >= this.#commitIntervalMs) {
      this.#lastCheckpoint = now
      for (const t of this.#tasks.values()) t.checkpoint()
    }
  }

  closeAll(clean: boolean): void {
    for (const t of this.#tasks.values()) this.#closeQuietly(t, clean)
    this.#tasks.clear()
  }

  async close(clean: boolean): Promise<void> {
    this.closeAll(clean)
    await this.#reader.close().catch(() => {})
  }

  #closeQuietly(t: StandbyTask, clean: boolean): void {
    try {
      t.close(clean)
    } catch (error) {
      this.#env.logger.warn({ taskId: t.id, err: error }, 'Error while closing a standby task')
      if (clean) this.#closeQuietly(t, false)
    }
  }
}
