import { EventEmitter } from 'node:events'
import { createEmbeddedKafka } from '../client/embedded/embedded-kafka.ts'
import { createKafkaJsClient } from '../client/kafkajs/kafkajs-client.ts'
import type { Admin, KafkaClient } from '../client/port.ts'
import type { Registry } from 'prom-client'
import type { Logger } from '../instrumentation/logger.ts'
import { loadOpenTelemetry, OtelTracerSource } from '../instrumentation/open-telemetry.ts'
import { RecordTracing } from '../instrumentation/record-tracing.ts'
import { redactSecrets } from '../instrumentation/redact.ts'
import { StreamsMetrics } from '../instrumentation/streams-metrics.ts'
import { defaultLogger } from '../instrumentation/pino-logger.ts'
import type { Serde } from '../serdes/serde.ts'
import type { ReadOnlyKeyValueStore, ValueAndTimestamp } from '../state/store.ts'
import { compile, type CompiledTopology } from '../topology/compile.ts'
import type { Topology } from '../topology/topology.ts'
import { prepareDeadLetterTopics } from './dead-letter-topics.ts'
import { topicMessageLimits } from './topic-message-limits.ts'
import { IllegalStateError } from './errors.ts'
import { InstanceThreads } from './instance-threads.ts'
import { prepareInternalTopics, type TopicLayout } from './internal-topics.ts'
import type { StreamThread, StreamThreadHooks } from './stream-thread.ts'
import { InteractiveQueries } from './interactive-queries.ts'
import type { KeyQueryMetadata, StreamsMetadata } from './streams-metadata.ts'
import { resolveStreamsConfig, type ResolvedStreamsConfig, type StreamsConfig } from './streams-config.ts'
import { isRunningOrRebalancing, StreamsStateMachine, type StreamsState } from './streams-state.ts'
import { threadMetadata, type ThreadMetadata } from './thread-metadata.ts'

/** Test-only: a symbol-keyed method that kills the instance like `kill -9` (see `StreamThread.crash`). */
export const crashForTesting: unique symbol = Symbol('kstreams.crashForTesting')
/** Test-only: a symbol-keyed config entry with `StreamThreadHooks`. */
export const testingHooks: unique symbol = Symbol('kstreams.testingHooks')

export interface KafkaStreamsEvents {
  stateChange: [newState: StreamsState, oldState: StreamsState]
  error: [error: unknown]
}

/**
 * A Kafka Streams application instance (Kafka Streams' `KafkaStreams`): runs a topology's tasks
 * for the partitions the group assigns to it. Several instances with the same `applicationId`
 * share the work; in one process they can share one embedded broker.
 *
 * `start()` resolves once internal topics exist and the instance joined its group; processing
 * goes on in the background, and a fatal error moves it to `ERROR` and is emitted as `'error'`
 * (logged when nobody listens) — never thrown at the host process.
 */
export class KafkaStreams extends EventEmitter<KafkaStreamsEvents> {
  readonly #source: Topology
  readonly #topology: CompiledTopology
  readonly #userConfig: StreamsConfig
  readonly #config: ResolvedStreamsConfig
  readonly #client: KafkaClient
  readonly #logger: Logger
  readonly #metrics: StreamsMetrics | undefined
  readonly #queries: InteractiveQueries
  #tracing: RecordTracing | undefined
  #admin: Admin | undefined
  readonly #state: StreamsStateMachine
  #layout: TopicLayout | undefined
  #threads: InstanceThreads | undefined
  #shutdown: Promise<void> | undefined
  #starting: Promise<void> | undefined

  constructor(topology: Topology, config: StreamsConfig) {
    super()
    this.#config = resolveStreamsConfig(config)
    this.#userConfig = config
    this.#source = topology
    this.#topology = compile(topology, this.#config.applicationId)
    // Every line names the application: pino's base fields on the default logger, a child of a passed one.
    this.#logger = config.logger?.child({ applicationId: this.#config.applicationId }) ?? defaultLogger({ applicationId: this.#config.applicationId })
    this.#metrics = config.metrics === false ? undefined : new StreamsMetrics(this.#config.applicationId, config.metrics?.registry)
    this.#state = new StreamsStateMachine(this.#logger, this.#metrics, (next, previous) => this.emit('stateChange', next, previous))
    this.#client = config.client ??
      (config.kafka ? createKafkaJsClient({ logger: this.#logger.child({ component: 'kafkajs' }), ...config.kafka }) : createEmbeddedKafka())
    this.#queries = new InteractiveQueries(this.#topology, this.#client, () => ({ state: this.#state.current, thread: this.#threads?.thread, global: this.#threads?.global, layout: this.#layout }))
  }

  get state(): StreamsState {
    return this.#state.current
  }

  /**
   * Records operators dropped on purpose since `start()` — late for their window, a null key or
   * value an operator cannot use — over every task this instance ran (Kafka's
   * `dropped-records-total`); each is also logged and published on `kstreams:dropped-records`.
   */
  get droppedRecords(): number {
    return this.#threads?.thread?.taskManager.droppedRecords() ?? 0
  }

  /** The prom-client registry this instance's metrics are in; undefined with `metrics: false`. */
  get metricsRegistry(): Registry | undefined {
    return this.#metrics?.registry
  }

  /** The application id (group id, prefix of internal topics). */
  get applicationId(): string {
    return this.#config.applicationId
  }

  /** This instance's `applicationServer` (`host:port`), where its interactive queries are served. */
  get applicationServer(): string | undefined {
    return this.#config.applicationServer
  }

  /** The topology this instance runs, as given (read it with `describe()` or `toMermaid()`). */
  get topology(): Topology {
    return this.#source
  }

  /** This instance's stream threads and their active and standby tasks (Kafka's `metadataForLocalThreads`). */
  metadataForLocalThreads(): ThreadMetadata[] {
    return threadMetadata(this.#config.applicationId, this.#topology, this.#threads?.thread)
  }

  /** Partition counts the instance works with (known after `start()`). */
  get topicLayout(): TopicLayout | undefined {
    return this.#layout
  }

  /** Creates missing internal topics, validates co-partitioning, joins the group and starts processing. */
  async start(): Promise<void> {
    if (this.#state.current !== 'CREATED') throw new IllegalStateError(`start() can only be called once, in state CREATED (now ${this.#state.current})`)
    this.#state.transition('REBALANCING')
    this.#starting = this.#start()
    return this.#starting
  }

  async #start(): Promise<void> {
    try {
      this.#logger.info({ config: redactSecrets(this.#userConfig) }, 'Starting')
      const tracing = this.#userConfig.tracing
      const otel = tracing === false ? undefined : await loadOpenTelemetry()
      this.#tracing = new RecordTracing(this.#config.applicationId, otel && new OtelTracerSource(otel, tracing === false ? undefined : tracing?.tracerProvider))
      this.#admin = this.#client.admin()
      this.#layout = await prepareInternalTopics(this.#admin, this.#topology)
      await prepareDeadLetterTopics(this.#admin, this.#config.applicationId, this.#userConfig)
      const messageLimits = await topicMessageLimits(this.#admin, this.#topology.subtopologies.flatMap((s) => s.sinkTopics))
      this.#threads = new InstanceThreads({
        config: this.#config,
        userConfig: this.#userConfig,
        client: this.#client,
        admin: this.#admin,
        topology: this.#topology,
        layout: this.#layout,
        messageLimits,
        logger: this.#logger,
        metrics: this.#metrics,
        tracing: this.#tracing,
        listener: this.#state.streamThreadListener(),
        hooks: (this.#userConfig as { [testingHooks]?: StreamThreadHooks })[testingHooks],
        onGlobalError: (error) => void this.#fail(error),
        onThreadError: (thread, error) => this.#onThreadError(thread, error),
      })
      await this.#threads.start()
    } catch (error) {
      await this.#fail(error)
      throw error
    }
  }

  /**
   * Stops processing: commits, flushes and closes the stores (writing checkpoints), leaves the
   * group. Resolves `true` when done within `timeoutMs`, `false` if it is still going on.
   */
  async close(options: { readonly timeoutMs?: number } = {}): Promise<boolean> {
    if (this.#state.current === 'CREATED') {
      this.#state.transition('PENDING_SHUTDOWN')
      this.#state.transition('NOT_RUNNING')
      return true
    }
    if (isRunningOrRebalancing(this.#state.current)) {
      this.#state.transition('PENDING_SHUTDOWN')
      this.#shutdown = this.#closeClean().then(() => this.#state.transition('NOT_RUNNING'))
    }
    const done = this.#shutdown ?? Promise.resolve()
    const timeoutMs = options.timeoutMs ?? Number.POSITIVE_INFINITY
    if (!Number.isFinite(timeoutMs)) {
      await done
      return true
    }
    let timer: ReturnType<typeof setTimeout> | undefined
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs)
    })
    try {
      return await Promise.race([done.then(() => true), timedOut])
    } finally {
      clearTimeout(timer)
    }
  }

  /**
   * A read-only view of a local store across this instance's running tasks (interactive
   * queries). A DSL table's store holds values with timestamps; this view shows plain values,
   * as Kafka's `QueryableStoreTypes.keyValueStore()` does — `timestampedStore` shows both.
   */
  store<K = unknown, V = unknown>(name: string): ReadOnlyKeyValueStore<K, V> {
    return this.#queries.store<K, V>(name)
  }

  /** The view of a timestamped store with its `ValueAndTimestamp`s. */
  timestampedStore<K = unknown, V = unknown>(name: string): ReadOnlyKeyValueStore<K, ValueAndTimestamp<V>> {
    return this.#queries.timestampedStore<K, V>(name)
  }

  /** Ids of the tasks this instance runs now (restoring tasks included). */
  activeTasks(): string[] {
    return this.#threads?.thread?.taskManager.activeTaskIds().sort() ?? []
  }

  /** Ids of the standby tasks this instance keeps warm. */
  standbyTasks(): string[] {
    return this.#threads?.thread?.standbys.ids().sort() ?? []
  }

  /**
   * Which instance (by `applicationServer`) holds `key` of `storeName`, active and standbys, as of
   * the latest rebalance (Kafka's `queryMetadataForKey`); undefined before the first assignment or
   * for a store the topology does not have.
   */
  queryMetadataForKey<K>(storeName: string, key: K, keySerde: Serde<K>): KeyQueryMetadata | undefined {
    return this.#queries.queryMetadataForKey(storeName, key, keySerde)
  }

  /** Every instance with an `applicationServer` and the stores and tasks it holds (Kafka's `metadataForAllStreamsClients`). */
  allMetadata(): StreamsMetadata[] {
    return this.#queries.allMetadata()
  }

  /** Test-only: kills the instance without any clean-up, like a crashed process. */
  [crashForTesting](): void {
    this.#threads?.crash()
  }

  async #onThreadError(thread: StreamThread, error: unknown): Promise<void> {
    const threads = this.#threads
    if (threads === undefined || thread !== threads.thread || thread.crashed) return
    const response = this.#userConfig.uncaughtExceptionHandler?.(error) ?? 'shutdown_client'
    if (response === 'replace_thread' && isRunningOrRebalancing(this.#state.current)) {
      this.#logger.error({ err: error }, 'Stream thread failed; replacing it')
      this.#emitError(error)
      await thread.shutdownDirty()
      if (this.#state.current === 'RUNNING') this.#state.transition('REBALANCING')
      try {
        await threads.startThread()
      } catch (startError) {
        await this.#fail(startError)
      }
      return
    }
    await this.#fail(error)
  }

  /** A fatal error: close everything dirty, end in ERROR, report it. */
  async #fail(error: unknown): Promise<void> {
    if (this.#state.current === 'PENDING_ERROR' || this.#state.current === 'ERROR' || this.#state.current === 'NOT_RUNNING') return
    if (this.#state.current === 'PENDING_SHUTDOWN') {
      this.#logger.error({ err: error }, 'Error during shutdown')
      return
    }
    this.#state.transition('PENDING_ERROR')
    this.#logger.error({ err: error }, 'Stream processing failed; shutting this instance down')
    this.#shutdown = (async () => {
      await this.#threads?.stopDirty()
      await this.#admin?.close().catch(() => {})
      this.#state.transition('ERROR')
    })()
    await this.#shutdown
    this.#emitError(error)
  }

  async #closeClean(): Promise<void> {
    // A close during start() lets the start finish (or fail) first, then stops what it started;
    // a global bootstrap waiting out a broker outage gives up instead (start() rejects).
    this.#threads?.cancelBootstrap()
    await this.#starting?.catch(() => {})
    try {
      await this.#threads?.stopClean()
      await this.#admin?.close()
    } catch (error) {
      this.#logger.error({ err: error }, 'Error while closing; some resources may not have been released cleanly')
    }
  }

  #emitError(error: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', error)
  }
}
