import type { Admin, KafkaClient } from '../client/port.ts'
import type { Logger } from '../instrumentation/logger.ts'
import type { RecordTracing } from '../instrumentation/record-tracing.ts'
import type { StreamsMetrics } from '../instrumentation/streams-metrics.ts'
import type { CompiledTopology } from '../topology/compile.ts'
import { GlobalStreamThread } from './global-stream-thread.ts'
import type { TopicLayout } from './internal-topics.ts'
import { StreamThread, type StreamThreadHooks, type StreamThreadListener } from './stream-thread.ts'
import { taskConfigFor, type ResolvedStreamsConfig, type StreamsConfig } from './streams-config.ts'

/** What start() prepared for the threads. */
export interface InstanceParts {
  readonly config: ResolvedStreamsConfig
  readonly userConfig: StreamsConfig
  readonly client: KafkaClient
  readonly admin: Admin
  readonly topology: CompiledTopology
  readonly layout: TopicLayout
  /** Output topics' own `max.message.bytes`, when below `maxRequestSize`. */
  readonly messageLimits: ReadonlyMap<string, number>
  readonly logger: Logger
  readonly metrics: StreamsMetrics | undefined
  readonly tracing: RecordTracing | undefined
  /** How the stream thread's rebalances move the instance's state. */
  readonly listener: StreamThreadListener
  readonly hooks: StreamThreadHooks | undefined
  /** The global stream thread failed for good. */
  onGlobalError(error: unknown): void
  /** The stream thread's loop ended with an error (the uncaught exception handler decides). */
  onThreadError(thread: StreamThread, error: unknown): Promise<void>
}

/**
 * The threads of a started instance (what Kafka Streams' `KafkaStreams` keeps as its
 * `globalStreamThread` and `threads`): the global stream thread when the topology has global
 * stores, started first, and the stream thread with its loop running in the background — a
 * fresh one when the uncaught exception handler replaces it. Stopped clean or dirty, or crashed.
 */
export class InstanceThreads {
  readonly #parts: InstanceParts
  #global: GlobalStreamThread | undefined
  #thread: StreamThread | undefined
  #loop: Promise<void> | undefined

  constructor(parts: InstanceParts) {
    this.#parts = parts
  }

  get global(): GlobalStreamThread | undefined {
    return this.#global
  }

  get thread(): StreamThread | undefined {
    return this.#thread
  }

  /** The global stream thread (when there are global stores) and then the stream thread. */
  async start(): Promise<void> {
    const { config, client, admin, topology, logger } = this.#parts
    if (topology.globalStores.length > 0) {
      this.#global = new GlobalStreamThread({
        client,
        admin,
        globals: topology.globalStores,
        taskConfig: this.#taskConfig(),
        applicationId: config.applicationId,
        stateDir: config.stateDir,
        readCommitted: config.exactlyOnce,
        pollMs: config.pollMs,
        taskTimeoutMs: config.taskTimeoutMs,
        logger,
        onError: (error) => this.#parts.onGlobalError(error),
      })
      await this.#global.start()
    }
    await this.startThread()
  }

  /** A new stream thread (at start, or replacing a failed one) with its loop in the background. */
  async startThread(): Promise<void> {
    const { config, userConfig, client, admin, topology, layout, logger, hooks } = this.#parts
    const thread = new StreamThread({
      config,
      client,
      topology,
      env: {
        applicationId: config.applicationId,
        stateDir: config.stateDir,
        exactlyOnce: config.exactlyOnce,
        client,
        admin,
        restoreReader: client.partitionReader({ isolationLevel: config.exactlyOnce ? 'read_committed' : 'read_uncommitted' }),
        partitions: (topic) => layout.partitions.get(topic),
        taskConfig: this.#taskConfig(),
        logger,
        restoreListener: userConfig.restoreListener,
      },
      listener: this.#parts.listener,
      ...(hooks ? { hooks } : {}),
      instrumentation: { metrics: this.#parts.metrics, tracing: this.#parts.tracing },
    })
    this.#thread = thread
    await thread.start()
    this.#loop = thread.run().then(
      () => undefined,
      (error: unknown) => this.#parts.onThreadError(thread, error),
    )
  }

  /** A close during start(): a global bootstrap waiting out a broker outage gives up. */
  cancelBootstrap(): void {
    this.#global?.cancelBootstrap()
  }

  /** Lets the loop finish its round, then commits and closes the tasks; closes the global stores. */
  async stopClean(): Promise<void> {
    const thread = this.#thread
    if (thread) {
      thread.requestStop()
      await this.#loop
      if (!thread.crashed) await thread.shutdownClean()
    }
    await this.#global?.close()
  }

  /** After a fatal error: nothing committed, every failure along the way ignored. */
  async stopDirty(): Promise<void> {
    await this.#thread?.shutdownDirty().catch(() => {})
    await this.#global?.close().catch(() => {})
  }

  crash(): void {
    this.#thread?.crash()
    this.#global?.crash()
  }

  #taskConfig(): ReturnType<typeof taskConfigFor> {
    const { userConfig, logger, messageLimits } = this.#parts
    return taskConfigFor(userConfig, logger, { messageLimits, globalStores: this.#global?.stores })
  }
}
