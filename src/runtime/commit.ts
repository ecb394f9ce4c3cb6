import type { Consumer, TopicPartitionOffset } from '../client/port.ts'
import { CommitFailedError, ProducerFencedError } from '../client/errors.ts'
import type { ActiveTask } from './active-task.ts'
import { StreamsError } from './task/errors.ts'

/**
 * The tasks' partitions now belong to another instance (its producer fenced ours, or the group
 * moved on without us): close them dirty and rejoin (Kafka Streams' `TaskMigratedException`).
 */
export class TaskMigratedError extends StreamsError {
  override name = 'TaskMigratedError'
}

export interface CommitContext {
  readonly exactlyOnce: boolean
  readonly groupId: string
  readonly consumer: Consumer
  /** Write checkpoints at step 4; under exactly-once only a clean close does. */
  readonly checkpoint: boolean
  /** Called after each numbered step; returning true abandons the commit (a simulated crash in tests). */
  readonly afterStep?: (step: 1 | 2 | 3, taskIds: ReadonlyArray<string>) => boolean | void
}

/**
 * The commit, written as its numbered steps in one function (DESIGN.md; Quix Streams' habit):
 *
 * 1. flush the stores — caches forward and changelogs are written, RocksDB batches made durable;
 * 2. flush the producer — wait until every output and changelog record is acknowledged;
 * 3. commit the consumed offsets — under at-least-once one consumer commit; under exactly-once
 *    each task's `sendOffsets` + `commitTransaction`, so output, changelog and offsets become
 *    visible together;
 * 4. write checkpoints — the changelog offsets the local stores now reflect.
 *
 * Returns the number of tasks committed. A fenced producer or a refused offset commit means the
 * tasks migrated: thrown as `TaskMigratedError`.
 */
export async function commitTasks(tasks: Iterable<ActiveTask>, ctx: CommitContext): Promise<number> {
  const committing: ActiveTask[] = []
  for (const t of tasks) if ((t.state === 'running' || t.state === 'suspended') && t.task.commitNeeded) committing.push(t)
  if (committing.length === 0) return 0
  const ids = committing.map((t) => t.id)
  try {
    // 1. Flush the stores.
    const offsets = new Map<ActiveTask, TopicPartitionOffset[]>()
    for (const t of committing) offsets.set(t, t.task.prepareCommit())
    if (ctx.afterStep?.(1, ids) === true) return 0

    // 2. Flush the producer.
    await Promise.all(committing.map((t) => t.collector.flush()))
    if (ctx.afterStep?.(2, ids) === true) return 0

    // 3. Commit the consumed offsets.
    if (ctx.exactlyOnce) {
      await Promise.all(committing.map((t) => t.producer.commitTransaction(ctx.groupId, offsets.get(t)!)))
    } else {
      const all = committing.flatMap((t) => offsets.get(t)!)
      if (all.length > 0) await ctx.consumer.commit(all)
    }
    if (ctx.afterStep?.(3, ids) === true) return 0

    // 4. Write the checkpoints.
    for (const t of committing) {
      t.task.postCommit()
      if (ctx.checkpoint) t.writeCheckpoint()
    }
    return committing.length
  } catch (error) {
    // An ambiguous commitTransaction (the adapter's TransactionCommitAmbiguousError) is handled
    // the same way: the tasks close dirty and their producers are re-created, which settles the
    // old transaction — never an abort after an ambiguous commit (DESIGN.md, decision 6).
    if (error instanceof ProducerFencedError || error instanceof CommitFailedError || isAmbiguousCommit(error)) {
      const message = (error as Error).message
      throw new TaskMigratedError(`Tasks ${ids.join(', ')} must be closed dirty and re-created (migrated or commit outcome unknown): ${message}`, { cause: error })
    }
    throw error
  }
}

function isAmbiguousCommit(error: unknown): error is Error {
  return error instanceof Error && error.name === 'TransactionCommitAmbiguousError'
}
