/**
 * Task ids are `<subtopology>_<partition>` (Kafka Streams' `TaskId.toString()`), e.g. `0_3`:
 * state directories and transactional ids are named after them, so they must match Kafka's.
 */

export type TaskId = string

export interface ParsedTaskId {
  readonly subtopology: number
  readonly partition: number
}

export function taskId(subtopology: number, partition: number): TaskId {
  return `${subtopology}_${partition}`
}

const TASK_ID = /^(\d+)_(\d+)$/

export function parseTaskId(id: string): ParsedTaskId {
  const match = TASK_ID.exec(id)
  if (match === null) throw new TypeError(`"${id}" is not a task id (expected <subtopology>_<partition>, e.g. 0_3)`)
  return { subtopology: Number(match[1]), partition: Number(match[2]) }
}
