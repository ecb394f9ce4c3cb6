import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../instrumentation/logger.ts'
import { OffsetCheckpoint } from '../state/checkpoint.ts'
import { CheckpointCorruptedError } from '../state/errors.ts'

/** Changelog `topic:partition` → offset of the last changelog record the local store reflects. */
export type ChangelogOffsets = Map<string, number>

/** `<stateDir>/<applicationId>/<taskId>`, where the engine puts a task's persistent stores. */
export function taskDirectory(stateDir: string, applicationId: string, taskId: string): string {
  return join(stateDir, applicationId, taskId)
}

/**
 * Reads a task's checkpoint before its stores open, applying the recovery rules:
 *
 * - a corrupted checkpoint cannot be trusted: wipe the task directory and restore from scratch;
 * - under exactly-once, the checkpoint is deleted once read, because while the task runs its
 *   stores get ahead of the last committed transaction. Only a clean close writes it back. So a
 *   missing checkpoint under exactly-once means the last stop was unclean (or there never was
 *   state), and the local stores may hold writes of aborted transactions: wipe them and rebuild
 *   from the changelog (DESIGN.md, decision 7).
 */
export function loadCheckpoint(taskDir: string, exactlyOnce: boolean, logger: Logger): ChangelogOffsets {
  const checkpoint = OffsetCheckpoint.forTask(taskDir)
  let entries: ReturnType<OffsetCheckpoint['read']>
  try {
    entries = checkpoint.read()
  } catch (error) {
    if (!(error instanceof CheckpointCorruptedError)) throw error
    logger.warn({ taskDir, err: error }, 'Checkpoint is corrupted; wiping the task state to restore it from the changelogs')
    wipeTaskDirectory(taskDir)
    return new Map()
  }
  if (exactlyOnce) {
    if (entries.length === 0) {
      if (hasState(taskDir)) {
        logger.warn({ taskDir }, 'No checkpoint after an unclean stop under exactly-once; wiping the task state to restore it from the changelogs')
        wipeTaskDirectory(taskDir)
      }
      return new Map()
    }
    checkpoint.delete()
  }
  return new Map(entries.map((e) => [`${e.topic}:${e.partition}`, e.offset]))
}

export function writeCheckpoint(taskDir: string, offsets: ReadonlyMap<string, number>): void {
  if (offsets.size === 0) return
  mkdirSync(taskDir, { recursive: true })
  const entries = [...offsets].map(([key, offset]) => {
    const at = key.lastIndexOf(':')
    return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)), offset }
  })
  OffsetCheckpoint.forTask(taskDir).write(entries)
}

export function wipeTaskDirectory(taskDir: string): void {
  rmSync(taskDir, { recursive: true, force: true })
}

function hasState(taskDir: string): boolean {
  return existsSync(taskDir) && readdirSync(taskDir).length > 0
}

/**
 * Task id → sum of the checkpointed changelog offsets, for every task with a directory under
 * `<stateDir>/<applicationId>`: what the assignor weighs when it picks a member for a task (the
 * larger, the less to restore). -1 when the directory exists without a readable checkpoint.
 */
export function localTaskOffsets(stateDir: string, applicationId: string): { [taskId: string]: number } {
  const dir = join(stateDir, applicationId)
  const out: { [taskId: string]: number } = {}
  if (!existsSync(dir)) return out
  for (const name of readdirSync(dir)) {
    if (!/^\d+_\d+$/.test(name)) continue
    let sum = -1
    try {
      const entries = OffsetCheckpoint.forTask(join(dir, name)).read()
      if (entries.length > 0) sum = entries.reduce((n, e) => n + Math.max(0, e.offset + 1), 0)
    } catch {
      // unreadable: present, offsets unknown
    }
    out[name] = sum
  }
  return out
}
