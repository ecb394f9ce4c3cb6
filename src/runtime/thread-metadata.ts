import type { TopicPartition } from '../client/port.ts'
import type { CompiledTopology } from '../topology/compile.ts'
import { parseTaskId } from '../topology/task-id.ts'
import type { StreamThread } from './stream-thread.ts'

/** One task of a local stream thread (Kafka Streams' `TaskMetadata`, plus its lifecycle state). */
export interface TaskMetadata {
  readonly taskId: string
  /** The task's input partitions (for a standby: the partitions its active twin reads). */
  readonly topicPartitions: TopicPartition[]
  /** `restoring` | `running` | `suspended` for an active task, `standby` for a standby. */
  readonly state: 'restoring' | 'running' | 'suspended' | 'closed' | 'standby'
}

/** A local stream thread and its tasks (Kafka Streams' `ThreadMetadata`). */
export interface ThreadMetadata {
  readonly threadName: string
  readonly activeTasks: TaskMetadata[]
  readonly standbyTasks: TaskMetadata[]
}

/** What `KafkaStreams.metadataForLocalThreads()` answers: read from the thread, nothing changed. */
export function threadMetadata(applicationId: string, topology: CompiledTopology, thread: StreamThread | undefined): ThreadMetadata[] {
  if (thread === undefined) return []
  const byId = (a: TaskMetadata, b: TaskMetadata): number => a.taskId.localeCompare(b.taskId, 'en', { numeric: true })
  const activeTasks = [...thread.taskManager.tasks()]
    .map((t): TaskMetadata => ({ taskId: t.id, topicPartitions: t.inputs.map((p) => ({ topic: p.topic, partition: p.partition })), state: t.state }))
    .sort(byId)
  const standbyTasks = thread.standbys.ids()
    .map((id): TaskMetadata => {
      const { subtopology, partition } = parseTaskId(id)
      const sub = topology.subtopology(subtopology)
      return { taskId: id, topicPartitions: sub.sourceTopics.map((topic) => ({ topic, partition })), state: 'standby' }
    })
    .sort(byId)
  return [{ threadName: `${applicationId}-StreamThread-1`, activeTasks, standbyTasks }]
}
