import type { RebalanceListener, TopicPartition } from '../client/port.ts'
import { rebalanceChannel, type RebalanceMessage } from '../instrumentation/channels.ts'
import type { Logger } from '../instrumentation/logger.ts'
import type { CompiledTopology } from '../topology/compile.ts'
import { taskId as formatTaskId } from '../topology/task-id.ts'
import { TaskMigratedError } from './commit.ts'
import type { StandbyTasks } from './standby-tasks.ts'
import type { StreamThreadListener } from './stream-thread.ts'
import type { StreamsPartitionAssignor } from './streams-partition-assignor.ts'
import type { TaskManager } from './task-manager.ts'
import { isRetriableClientError, type TaskTimeout } from './task-timeout.ts'
import type { Instrumentation } from './task/task-instrumentation.ts'

/** What the listener needs from its stream thread. */
export interface RebalanceHost {
  readonly applicationId: string
  readonly topology: CompiledTopology
  /** The thread's task manager (created after its consumer, so asked for when needed). */
  taskManager(): TaskManager
  readonly standbys: StandbyTasks
  readonly assignor: StreamsPartitionAssignor
  readonly taskTimeout: TaskTimeout
  readonly logger: Logger
  readonly instrumentation: Instrumentation
  /** The instance, told when a rebalance starts and when every assigned task runs. */
  readonly listener: StreamThreadListener
  /** Stopping or crashed: a rebalance no longer touches the tasks. */
  stopped(): boolean
  /** Closes every task dirty without waiting on an unreachable broker. */
  closeTasksUnreachable(): Promise<void>
}

/**
 * The stream thread's side of a rebalance (Kafka Streams' `StreamsRebalanceListener`), called by
 * the consumer inside `poll()`: on revoke the tasks commit and suspend, on assign the assignor's
 * active and standby tasks are (re)created; both are published on the rebalance channel. It also
 * keeps where the thread is in the rebalance, which decides when the instance is RUNNING again.
 */
export class StreamsRebalanceListener implements RebalanceListener {
  readonly #host: RebalanceHost
  #awaitingRunning = true
  /**
   * Between a revoke (or the start) and the next assignment: not RUNNING yet, whatever the tasks
   * say. An adapter may deliver the assignment several polls after the revoke (kafkajs rejoins
   * only once the revoke has run).
   */
  #awaitingAssignment = true

  constructor(host: RebalanceHost) {
    this.#host = host
  }

  /** Partitions revoked or a rejoin asked for: not RUNNING until the next assignment is restored. */
  rebalanceStarted(): void {
    this.#awaitingRunning = true
    this.#awaitingAssignment = true
    this.#host.listener.onRebalance()
  }

  /** After each poll: once the assignment arrived and no task is restoring, the instance is told it runs. */
  maybeRunning(restoring: () => boolean): void {
    if (this.#awaitingRunning && !this.#awaitingAssignment && !restoring()) {
      this.#awaitingRunning = false
      this.#host.listener.onRunning()
    }
  }

  async onPartitionsRevoked(): Promise<void> {
    const host = this.#host
    if (host.stopped()) return
    this.rebalanceStarted()
    this.#publish({ applicationId: host.applicationId, phase: 'revoked' })
    try {
      await host.taskManager().handleRevocation()
    } catch (error) {
      if (error instanceof TaskMigratedError) {
        host.logger.warn({ err: error }, 'Tasks migrated during the rebalance; closing them dirty')
        await host.taskManager().closeDirty()
        return
      }
      if (!isRetriableClientError(error)) throw error
      // Typically the broker went away and the consumer dropped out of the group: the revoke's
      // commit cannot go through, so the tasks are closed dirty and come back with the next
      // assignment, from the last commit. No backoff here: the rejoin waits for the broker anyway.
      const { elapsedMs } = host.taskTimeout.failed(error)
      host.logger.warn({ err: error, elapsedMs, taskTimeoutMs: host.taskTimeout.timeoutMs }, 'Commit during the rebalance failed with a retriable error; closing the tasks dirty')
      await host.closeTasksUnreachable()
    }
  }

  async onPartitionsAssigned(partitions: ReadonlyArray<TopicPartition>): Promise<void> {
    const host = this.#host
    if (host.stopped()) return
    this.#awaitingRunning = true
    this.#awaitingAssignment = false
    const active = this.#assignedTasks(partitions)
    const standby = host.assignor.assignedStandbys.filter((id) => !active.includes(id))
    // A standby promoted here closes first (with a checkpoint), so the active task restores only the tail.
    host.standbys.retain(standby)
    await host.taskManager().handleAssignment(active)
    await host.standbys.create(standby)
    const metrics = host.instrumentation.metrics
    if (metrics !== undefined) metrics.rebalances++
    this.#publish({ applicationId: host.applicationId, phase: 'assigned', activeTasks: active, standbyTasks: standby })
  }

  #publish(message: RebalanceMessage): void {
    if (rebalanceChannel.hasSubscribers) rebalanceChannel.publish(message)
  }

  /** The tasks the assignor gave this member; derived from the partitions if its user data was lost. */
  #assignedTasks(partitions: ReadonlyArray<TopicPartition>): string[] {
    const tasks = this.#host.assignor.assignedTasks
    if (tasks.length > 0 || partitions.length === 0) return [...tasks]
    const derived = new Set<string>()
    for (const tp of partitions) {
      const sub = this.#host.topology.topicToSubtopology.get(tp.topic)
      if (sub !== undefined) derived.add(formatTaskId(sub, tp.partition))
    }
    return [...derived]
  }
}
