import type { Admin, KafkaClient, PartitionReader, TopicPartition } from '../client/port.ts'
import { partitionKey } from '../client/port.ts'
import type { KafkaClientError } from '../client/errors.ts'
import type { Logger } from '../instrumentation/logger.ts'
import type { StateStore } from '../state/store.ts'
import type { CompiledGlobalStore } from '../topology/compile.ts'
import { loadCheckpoint, writeCheckpoint } from './state-directory.ts'
import { isRetriableClientError, TaskTimeout } from './task-timeout.ts'
import { StreamsError } from './task/errors.ts'
import { GlobalStateTask } from './task/global-state-task.ts'
import type { RecordCollector } from './task/record-collector.ts'
import type { TaskConfig } from './task/task-config.ts'

/** Global processors only write their store; anything else sending output is a bug. */
const NO_OUTPUT: RecordCollector = {
  send() {
    throw new StreamsError('Global store processors cannot produce records')
  },
  partitionsFor: () => undefined,
  flush() {},
}

export interface GlobalStreamThreadOptions {
  readonly client: KafkaClient
  readonly admin: Admin
  readonly globals: ReadonlyArray<CompiledGlobalStore>
  readonly taskConfig: Omit<TaskConfig, 'applicationId' | 'collector' | 'stateDir'>
  readonly applicationId: string
  readonly stateDir: string
  readonly readCommitted: boolean
  readonly pollMs: number
  /** Patience with retriable client errors (an unreachable broker) before the thread fails. */
  readonly taskTimeoutMs: number
  readonly logger: Logger
  readonly onError: (error: unknown) => void
}

/**
 * Keeps the instance's global stores (Kafka Streams' `GlobalStreamThread`): on start it reads
 * every partition of the global topics to the end before any task processes (so joins against a
 * global table see it whole), then keeps reading new records every `pollMs`. Records go through
 * the store's processor, which is the only writer. Persistent global stores resume from their
 * checkpoint.
 *
 * A retriable client error (the broker unreachable, a request timing out) is waited out, as in
 * Kafka Streams since KIP-572: the read backs off and is tried again from the last record applied
 * (so nothing is applied twice or skipped), at start-up as while running, and only failures that
 * outlast `taskTimeoutMs` are fatal (a `TaskTimeoutError` naming this thread). Meanwhile the stream
 * threads go on against the stores as of their last read. Any other error is fatal at once.
 */
export class GlobalStreamThread {
  readonly #options: GlobalStreamThreadOptions
  #task: GlobalStateTask | undefined
  #reader: PartitionReader | undefined
  readonly #positions = new Map<string, number>()
  #partitions: TopicPartition[] = []
  #stopping = false
  #loop: Promise<void> | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  #wake: (() => void) | undefined
  readonly #timeout: TaskTimeout
  readonly #logger: Logger
  /** The next wait of the loop: `pollMs`, or the backoff after a retriable failure. */
  #nextWaitMs: number
  #bootstrapCancelled = false

  constructor(options: GlobalStreamThreadOptions) {
    this.#options = options
    this.#timeout = new TaskTimeout(options.taskTimeoutMs, 'The global stream thread')
    this.#logger = options.logger.child({ component: 'global-stream-thread' })
    this.#nextWaitMs = options.pollMs
  }

  get stores(): ReadonlyMap<string, StateStore> {
    return this.#task?.stores ?? new Map()
  }

  store(name: string): StateStore | undefined {
    return this.#task?.stores.get(name)
  }

  async start(): Promise<void> {
    const o = this.#options
    const task = new GlobalStateTask(o.globals, { ...o.taskConfig, applicationId: o.applicationId, stateDir: o.stateDir, collector: NO_OUTPUT })
    this.#task = task
    const checkpoint = loadCheckpoint(task.taskStateDir, false, o.logger)
    await task.openStores()
    task.initializeStores()
    await task.prepareSerdes()
    task.initializeProcessors()
    this.#reader = o.client.partitionReader({ isolationLevel: o.readCommitted ? 'read_committed' : 'read_uncommitted' })
    // Kafka Streams' global bootstrap: every global topic read to its end before any task
    // processes, retried within task.timeout.ms (GlobalStateManagerImpl's retryUntilSuccessOrThrowOnTaskTimeout).
    for (;;) {
      try {
        if (this.#partitions.length === 0) await this.#discover(checkpoint)
        await this.#catchUp()
        break
      } catch (error) {
        const backoffMs = this.#failed(error)
        if (!this.#bootstrapCancelled) await this.#pause(backoffMs)
        if (this.#bootstrapCancelled) throw new StreamsError('Closed while the global stream thread was waiting out a broker outage at start-up', { cause: error })
      }
    }
    this.#caughtUp()
    this.#loop = this.#run()
  }

  /** The partitions of the global topics and where to start reading each. */
  async #discover(checkpoint: ReadonlyMap<string, number>): Promise<void> {
    const o = this.#options
    const task = this.#task!
    const described = await o.admin.describeTopics(task.topics())
    const partitions: TopicPartition[] = []
    for (const topic of task.topics()) {
      const n = described.get(topic)?.numPartitions ?? 0
      const storeName = o.globals.find((g) => g.topic === topic)!.storeName
      const persistent = task.stores.get(storeName)?.persistent === true
      for (let p = 0; p < n; p++) {
        partitions.push({ topic, partition: p })
        const last = persistent ? checkpoint.get(partitionKey(topic, p)) : undefined
        this.#positions.set(partitionKey(topic, p), last === undefined ? 0 : last + 1)
      }
    }
    this.#partitions = partitions
  }

  /**
   * A close during `start()`: a bootstrap waiting out an outage gives up (its `start()` rejects)
   * rather than holding the close for up to `taskTimeoutMs`; a bootstrap that is reading goes on.
   */
  cancelBootstrap(): void {
    this.#bootstrapCancelled = true
    clearTimeout(this.#timer)
    this.#wake?.()
  }

  async close(): Promise<void> {
    this.#stopping = true
    clearTimeout(this.#timer)
    this.#wake?.()
    // Ends a read in flight (one waiting on an unreachable broker would hold the close for the
    // client's retries); the positions stay those of the last record applied.
    await this.#reader?.close()
    await this.#loop
    const task = this.#task
    if (!task) return
    task.flush()
    writeCheckpoint(task.taskStateDir, this.#lastOffsets())
    task.close()
    await this.#reader?.close()
  }

  crash(): void {
    this.#stopping = true
    clearTimeout(this.#timer)
    this.#wake?.()
    try {
      this.#task?.close()
    } catch {
      // a dead process does not report errors
    }
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      await this.#pause(this.#nextWaitMs)
      if (this.#stopping) return
      try {
        await this.#catchUp()
        this.#caughtUp()
      } catch (error) {
        try {
          this.#nextWaitMs = this.#failed(error)
        } catch (fatal) {
          if (this.#stopping) return
          this.#stopping = true
          this.#options.onError(fatal)
          return
        }
      }
    }
  }

  /** Waits `ms`, or less if the thread is stopped meanwhile. */
  async #pause(ms: number): Promise<void> {
    if (this.#stopping) return
    await new Promise<void>((resolve) => {
      this.#wake = resolve
      this.#timer = setTimeout(resolve, ms)
    })
  }

  /**
   * A read failed: returns the backoff before the next try if the error is worth waiting out;
   * throws the fatal error otherwise, or once the failures outlast `taskTimeoutMs`.
   */
  #failed(error: unknown): number {
    if (this.#stopping) throw error
    if (!isRetriableClientError(error)) {
      throw new StreamsError(`The global stream thread failed reading ${this.#task!.topics().join(', ')}: ${(error as Error)?.message ?? String(error)}`, { cause: error })
    }
    const { backoffMs, elapsedMs } = this.#timeout.failed(error as KafkaClientError)
    this.#logger.warn(
      { err: error, elapsedMs, backoffMs, taskTimeoutMs: this.#timeout.timeoutMs },
      'Global stream thread: retriable client error (broker unreachable or timing out); the global stores stay as of their last read, trying again after the backoff',
    )
    return backoffMs
  }

  /** A catch-up went through: the thread progresses again. */
  #caughtUp(): void {
    if (this.#timeout.waiting) this.#logger.info({}, 'Global stream thread: reading again; the global stores are caught up')
    this.#timeout.succeeded()
    this.#nextWaitMs = this.#options.pollMs
  }

  async #catchUp(): Promise<void> {
    const task = this.#task!
    const ends = await this.#options.admin.endOffsets(this.#partitions)
    for (const tp of this.#partitions) {
      const key = partitionKey(tp.topic, tp.partition)
      const from = this.#positions.get(key) ?? 0
      const end = ends.get(key) ?? 0
      if (from >= end) continue
      for await (const batch of this.#reader!.read(tp, from, end)) {
        if (this.#stopping) return
        const prepared = task.prepareRecords(batch)
        if (prepared !== undefined) await prepared
        for (const record of batch) {
          task.update(record)
          this.#positions.set(key, record.offset + 1)
        }
      }
    }
  }

  #lastOffsets(): Map<string, number> {
    const out = new Map<string, number>()
    for (const [key, position] of this.#positions) if (position > 0) out.set(key, position - 1)
    return out
  }
}
