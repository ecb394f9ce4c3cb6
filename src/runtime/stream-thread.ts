import { setTimeout as sleep } from 'node:timers/promises'
import type { KafkaClientError } from '../client/errors.ts'
import type { Consumer, KafkaClient } from '../client/port.ts'
import type { Logger } from '../instrumentation/logger.ts'
import { observeRestore } from '../instrumentation/restore-observer.ts'
import type { CompiledTopology } from '../topology/compile.ts'
import type { ActiveTaskEnvironment } from './active-task.ts'
import { TaskMigratedError, type CommitContext } from './commit.ts'
import { consumerLag } from './consumer-lag.ts'
import type { ResolvedStreamsConfig } from './streams-config.ts'
import { StandbyTasks } from './standby-tasks.ts'
import { localTaskOffsets } from './state-directory.ts'
import { StreamsPartitionAssignor, type HostTasks } from './streams-partition-assignor.ts'
import { StreamsRebalanceListener } from './streams-rebalance-listener.ts'
import { StreamsProducer } from './streams-producer.ts'
import { TaskManager } from './task-manager.ts'
import { isRetriableClientError, TaskTimeout } from './task-timeout.ts'
import { NO_INSTRUMENTATION, type Instrumentation } from './task/task-instrumentation.ts'

export interface StreamThreadListener {
  /** Partitions were revoked: a rebalance started. */
  onRebalance(): void
  /** Every assigned task is restored and processing. */
  onRunning(): void
}

/** Test hooks: simulate a crash at a chosen point of the commit. */
export interface StreamThreadHooks {
  readonly afterCommitStep?: (step: 1 | 2 | 3, taskIds: ReadonlyArray<string>) => boolean | void
}

/** Longest one restore step runs before the thread polls again (stays in its group). */
const RESTORE_BUDGET_MS = 50

/**
 * One stream thread (Kafka Streams' `StreamThread`): a consumer in the application's group and
 * the loop poll → hand records to tasks → restore → process each task until its buffer drains
 * (synchronously) → punctuate → commit when the interval is up. Rebalances arrive inside `poll()`
 * through the listener (streams-rebalance-listener.ts): commit and suspend on revoke, (re)create
 * tasks on assign.
 */
export class StreamThread {
  readonly consumer: Consumer
  readonly taskManager: TaskManager
  readonly standbys: StandbyTasks
  readonly #config: ResolvedStreamsConfig
  readonly #producer: StreamsProducer | undefined
  readonly #assignor: StreamsPartitionAssignor
  readonly #rebalance: StreamsRebalanceListener
  readonly #logger: Logger
  readonly #instrumentation: Instrumentation
  #stopping = false
  #crashed = false
  #lastCommit = Date.now()
  readonly #taskTimeout: TaskTimeout

  constructor(options: {
    readonly config: ResolvedStreamsConfig
    readonly client: KafkaClient
    readonly topology: CompiledTopology
    readonly env: Omit<ActiveTaskEnvironment, 'sharedProducer'>
    readonly listener: StreamThreadListener
    readonly hooks?: StreamThreadHooks
    readonly instrumentation?: Instrumentation
  }) {
    const { config, client, topology } = options
    const instrumentation = options.instrumentation ?? NO_INSTRUMENTATION
    const metrics = instrumentation.metrics
    const env = { ...options.env, restoreListener: observeRestore(config.applicationId, options.env.restoreListener, metrics) }
    this.#instrumentation = instrumentation
    this.#config = config
    this.#taskTimeout = new TaskTimeout(config.taskTimeoutMs)
    this.#logger = env.logger.child({ component: 'stream-thread' })
    this.#producer = config.exactlyOnce ? undefined : new StreamsProducer(client)
    this.#assignor = new StreamsPartitionAssignor(
      topology,
      () => ({
        active: this.taskManager.activeTaskIds(),
        state: { ...localTaskOffsets(env.stateDir, env.applicationId), ...this.standbys.offsets() },
      }),
      { numStandbyReplicas: config.numStandbyReplicas, applicationServer: config.applicationServer },
    )
    this.standbys = new StandbyTasks({
      env,
      topology,
      admin: env.admin,
      reader: client.partitionReader({ isolationLevel: config.exactlyOnce ? 'read_committed' : 'read_uncommitted' }),
      updateIntervalMs: Math.min(500, Math.max(50, config.commitIntervalMs)),
      commitIntervalMs: config.commitIntervalMs,
    })
    this.#rebalance = new StreamsRebalanceListener({
      applicationId: config.applicationId,
      topology,
      taskManager: () => this.taskManager,
      standbys: this.standbys,
      assignor: this.#assignor,
      taskTimeout: this.#taskTimeout,
      logger: this.#logger,
      instrumentation,
      listener: options.listener,
      stopped: () => this.#crashed || this.#stopping,
      closeTasksUnreachable: () => this.#closeTasksUnreachable(),
    })
    this.consumer = client.consumer({
      groupId: config.applicationId,
      topics: topology.sourceTopics,
      isolationLevel: config.exactlyOnce ? 'read_committed' : 'read_uncommitted',
      autoOffsetReset: 'earliest',
      assignor: this.#assignor,
      ...(config.maxPollRecords === undefined ? {} : { maxPollRecords: config.maxPollRecords }),
      rebalanceListener: this.#rebalance,
    })
    const hooks = options.hooks
    this.taskManager = new TaskManager({
      instrumentation,
      env: { ...env, sharedProducer: this.#producer },
      topology,
      consumer: this.consumer,
      commitContext: (checkpoint): CommitContext => ({
        exactlyOnce: config.exactlyOnce,
        groupId: config.applicationId,
        consumer: this.consumer,
        checkpoint,
        afterStep: (step, taskIds) => {
          if (hooks?.afterCommitStep?.(step, taskIds) === true) this.crash()
          return this.#crashed
        },
      }),
    })
    metrics?.setLagProvider(() => (this.#crashed || this.#stopping ? Promise.resolve([]) : consumerLag(this.consumer, this.taskManager.tasks(), env.admin)))
  }

  async start(): Promise<void> {
    await this.#producer?.connect()
    await this.consumer.connect()
  }

  /** The loop; resolves when stopped or crashed, rejects with a fatal error. */
  async run(): Promise<void> {
    while (!this.#stopping && !this.#crashed) {
      try {
        // While restoring, poll without waiting: the restoring partitions are paused, so a wait
        // would only stall the restore.
        const metrics = this.#instrumentation.metrics
        const polling = performance.now()
        // Inside the try: the rebalance listener runs in poll(), and creating tasks talks to the broker.
        const records = await this.consumer.poll(this.taskManager.isRestoring() ? 0 : this.#config.pollMs)
        if (metrics !== undefined) {
          metrics.poll.observe((performance.now() - polling) / 1000)
          metrics.polledRecords += records.length
        }
        if (this.#crashed) return
        if (records.length > 0) {
          const prepared = this.taskManager.addRecords(records)
          if (prepared !== undefined) await prepared
        }
        if (this.taskManager.isRestoring()) await this.taskManager.restore(RESTORE_BUDGET_MS)
        if (this.#crashed) return
        this.#rebalance.maybeRunning(() => this.taskManager.isRestoring())
        const now = Date.now()
        this.#instrumentation.tracing?.refresh()
        const processing = performance.now()
        if (this.taskManager.process(now) > 0) metrics?.process.observe((performance.now() - processing) / 1000)
        if (now - this.#lastCommit >= this.#config.commitIntervalMs || this.taskManager.commitRequested()) {
          if ((await this.taskManager.commit()) > 0) this.#taskTimeout.succeeded()
          // From the round's start, as Kafka Streams' maybeCommit: the interval does not grow by the commit's duration.
          this.#lastCommit = now
        }
        await this.standbys.maybeUpdate(Date.now())
      } catch (error) {
        if (error instanceof TaskMigratedError) await this.#handleMigration(error)
        else if (isRetriableClientError(error)) await this.#handleRetriable(error)
        else throw error
      }
    }
  }

  requestStop(): void {
    this.#stopping = true
  }

  /** After the loop ended: commit, close tasks (checkpoints), leave the group, close producers. */
  async shutdownClean(): Promise<void> {
    this.#stopping = true
    try {
      await this.taskManager.closeClean()
    } catch (error) {
      this.#logger.warn({ err: error }, 'Commit on shutdown failed; closing tasks dirty')
      await this.taskManager.closeDirty()
    }
    await this.standbys.close(true)
    await this.consumer.close()
    await this.#producer?.close()
  }

  /** After a fatal error: close tasks without committing, leave the group. */
  async shutdownDirty(): Promise<void> {
    this.#stopping = true
    await this.taskManager.closeDirty()
    await this.standbys.close(false)
    await this.consumer.close().catch((error: unknown) => this.#logger.warn({ err: error }, 'Consumer close failed'))
    await this.#producer?.close().catch(() => {})
  }

  /**
   * Stops dead, like a killed process: no commit, no flush, no leaving the group (it is evicted
   * after the session timeout), open transactions left for the next owner to abort. Stores are
   * closed dirty only to release their files, as the OS would on a real crash.
   */
  crash(): void {
    if (this.#crashed) return
    this.#crashed = true
    for (const t of this.taskManager.tasks()) {
      try {
        t.collector.discard()
        t.task.close(false)
      } catch {
        // a dead process does not report errors
      }
    }
    try {
      this.standbys.closeAll(false)
    } catch {
      // a dead process does not report errors
    }
  }

  get crashed(): boolean {
    return this.#crashed
  }

  /** `host:port` → tasks, from the latest assignment (interactive-query metadata). */
  get hosts(): HostTasks {
    return this.#assignor.hosts
  }

  /**
   * Kafka Streams' `handleLostAll` + `enforceRebalance`: drop the tasks' uncommitted work and
   * rejoin; tasks come back only with the next assignment. Never re-create them from the
   * consumer's current assignment: a member that was frozen past its session timeout still holds
   * the assignment the group took away, and re-creating those tasks would initialise their
   * transactional producers and fence the rightful owner (found by the chaos `freeze` scenario).
   */
  async #handleMigration(error: TaskMigratedError): Promise<void> {
    this.#logger.warn({ err: error }, 'Tasks migrated; closing them dirty and rejoining the group')
    await this.taskManager.closeDirty()
    this.#rejoin()
  }

  /**
   * A send, commit, fetch or task creation failed with a retriable client error (the broker is
   * unreachable, a request timed out): Kafka Streams' `TaskCorruptedException` path within
   * `task.timeout.ms`. The tasks' uncommitted work is dropped — under exactly-once the open
   * transactions are abandoned and the stores rebuilt from the changelog, under at-least-once
   * the records are processed again from the committed offsets — and the thread rejoins, as on a
   * migration: tasks come back only with the next assignment, so a group that moved on during
   * the outage is never overruled. Fatal only once the failures outlast `taskTimeoutMs`.
   */
  async #handleRetriable(error: KafkaClientError): Promise<void> {
    const { backoffMs, elapsedMs } = this.#taskTimeout.failed(error)
    this.#logger.warn(
      { err: error, elapsedMs, backoffMs, taskTimeoutMs: this.#taskTimeout.timeoutMs },
      'Retriable client error (broker unreachable or timing out); closing the tasks dirty and rejoining the group',
    )
    await this.#closeTasksUnreachable()
    this.#rejoin()
    const until = Date.now() + backoffMs
    while (!this.#stopping && !this.#crashed && Date.now() < until) await sleep(Math.min(100, until - Date.now()))
  }

  /**
   * Closes every task dirty without waiting on the broker: under exactly-once a dirty close
   * aborts each task's transaction, which with the broker gone would wait out the client's
   * retries task after task. The producers are closed first instead, leaving their transactions
   * open; the next producer with the same transactional id (the task re-created, here or
   * elsewhere) aborts them when it initialises, as after a crash.
   */
  async #closeTasksUnreachable(): Promise<void> {
    if (this.#config.exactlyOnce) await Promise.all([...this.taskManager.tasks()].map((t) => t.producer.close().catch(() => {})))
    await this.taskManager.closeDirty()
  }

  #rejoin(): void {
    this.#rebalance.rebalanceStarted()
    this.consumer.enforceRebalance()
  }
}
