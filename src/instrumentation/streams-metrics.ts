import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { register as globalRegister, type Registry } from 'prom-client'
import { DEAD_LETTER_CHANNEL, type DeadLetterMessage } from './channels.ts'
import { collectedMetric, histogramSamples, type Labels, type MetricType, type Sample } from './collected-metric.ts'
import { BucketHistogram, DURATION_BUCKETS_SECONDS, LATENCY_BUCKETS_SECONDS } from './histogram-buckets.ts'
import { MetricNames } from './metric-names.ts'

/** `metrics` option of `KafkaStreams` and the test driver: `false` turns metrics off. */
export type MetricsConfig = false | { readonly registry?: Registry }

/** A processor node as the metrics layer reads it: the engine counts into `processed` itself. */
export interface CountedNode {
  readonly name: string
  readonly processed: number
}

/** A metered state store: operation counts kept by the store as plain integers. */
export interface CountedStore {
  readonly name: string
  readonly counts: { readonly [operation: string]: number }
}

/** What a task hands the metrics layer when it starts; read at every scrape while it lives. */
export interface InstrumentedTask {
  readonly taskId: string
  /** Source nodes: their counts sum to the task's records processed. */
  readonly sources: ReadonlyArray<CountedNode>
  readonly nodes: ReadonlyArray<CountedNode>
  readonly stores: ReadonlyArray<CountedStore>
}

export interface PartitionLag {
  readonly topic: string
  readonly partition: number
  readonly lag: number
}

const SEP = '\u0000'

/** Dropped records Kafka Streams counts as late too (`record-lateness` / window expired). */
function isLate(reason: string): boolean {
  return /expired window|already closed/i.test(reason)
}

/**
 * The built-in metrics of one `KafkaStreams` instance (or one test driver). The engine keeps
 * plain numbers — node counters on processor nodes, operation counts in metered stores, bucket
 * arrays for histograms — and this class publishes them in prom-client's `collect` step, so the
 * processing loop never calls prom-client. Counts of closed tasks are kept, so counters never go
 * down when a task moves away and back.
 */
export class StreamsMetrics {
  readonly registry: Registry
  readonly applicationId: string
  readonly #tasks = new Map<string, InstrumentedTask>()
  /** task or task/node or task/store/op → count of closed tasks. */
  readonly #retained = new Map<string, number>()
  readonly #latency = new Map<string, BucketHistogram>()
  readonly #dropped = new Map<string, number>()
  readonly #late = new Map<string, number>()
  readonly #deadLetters = new Map<string, number>()
  readonly #restore = new Map<string, { store: string; topic: string; partition: number; restored: number; remaining: number; rate: number; last: number }>()
  readonly poll = new BucketHistogram(DURATION_BUCKETS_SECONDS)
  readonly process = new BucketHistogram(DURATION_BUCKETS_SECONDS)
  readonly commit = new BucketHistogram(DURATION_BUCKETS_SECONDS)
  readonly punctuate = new BucketHistogram(DURATION_BUCKETS_SECONDS)
  polledRecords = 0
  commits = 0
  rebalances = 0
  state = 'CREATED'
  #lag: (() => Promise<ReadonlyArray<PartitionLag>>) | undefined
  readonly #unregister: Array<() => void> = []
  readonly #onDeadLetter = (message: unknown): void => this.#deadLetterRecorded(message as DeadLetterMessage)

  /** How long a scrape waits for the lag (end offsets from the broker); Prometheus gives up after 10 s. */
  readonly #lagTimeoutMs: number

  constructor(applicationId: string, registry: Registry = globalRegister, options: { readonly lagTimeoutMs?: number } = {}) {
    this.applicationId = applicationId
    this.registry = registry
    this.#lagTimeoutMs = options.lagTimeoutMs ?? 5000
    const app = { application_id: applicationId }
    const n = MetricNames
    this.#publish(n.recordsProcessed, 'Records processed, per task', 'counter', () => this.#taskCounts())
    this.#publish(n.nodeRecordsProcessed, 'Records each processor node received', 'counter', () => this.#nodeCounts())
    this.#publish(n.endToEndLatency, 'Wall clock at the sink minus the record timestamp, in seconds', 'histogram', () =>
      [...this.#latency].flatMap(([key, h]) => {
        const [task, node] = key.split(SEP)
        return histogramSamples(n.endToEndLatency, { ...app, task_id: task!, node: node! }, h)
      }))
    this.#publish(n.consumerLag, 'End offset minus the consumed position, per input partition', 'gauge', async () => {
      // A broker that cannot answer now must not fail or stall the whole scrape: no lag samples this time.
      const lags = this.#lag === undefined ? [] : await within(this.#lag(), this.#lagTimeoutMs).catch(() => [])
      return lags.map((l) => ({ labels: { ...app, topic: l.topic, partition: l.partition }, value: l.lag }))
    })
    this.#publish(n.droppedRecords, 'Records skipped on purpose by DSL operators', 'counter', () =>
      this.#fromMap(this.#dropped, ['task_id', 'reason']))
    this.#publish(n.lateRecords, 'Records too late for their window (counted in dropped records too)', 'counter', () =>
      this.#fromMap(this.#late, ['task_id', 'node']))
    this.#publish(n.deadLetterRecords, 'Records sent to a dead-letter topic', 'counter', () =>
      this.#fromMap(this.#deadLetters, ['handler', 'topic']))
    for (const [name, help, h] of [
      [n.pollDuration, 'Duration of one consumer poll, in seconds', this.poll],
      [n.processDuration, 'Duration of one processing pass over the polled records, in seconds', this.process],
      [n.commitDuration, 'Duration of one commit of the thread\'s tasks, in seconds', this.commit],
      [n.punctuateDuration, 'Duration of one punctuator run, in seconds', this.punctuate],
    ] as const) this.#publish(name, help, 'histogram', () => histogramSamples(name, app, h))
    this.#publish(n.polledRecords, 'Records returned by consumer polls', 'counter', () => [{ labels: app, value: this.polledRecords }])
    this.#publish(n.commits, 'Commits of the stream thread', 'counter', () => [{ labels: app, value: this.commits }])
    this.#publish(n.rebalances, 'Rebalances (assignments) the stream thread went through', 'counter', () => [{ labels: app, value: this.rebalances }])
    this.#publish(n.activeTasks, 'Active tasks assigned to this instance', 'gauge', () => [{ labels: app, value: this.#tasks.size }])
    this.#publish(n.state, 'The instance state: 1 for the current state', 'gauge', () => [{ labels: { ...app, state: this.state }, value: 1 }])
    this.#publish(n.storeOperations, 'State store operations, per task, store and operation', 'counter', () => this.#storeCounts())
    const restore = (pick: (r: { restored: number; remaining: number; rate: number }) => number) => (): Sample[] =>
      [...this.#restore.values()].map((r) => ({ labels: { ...app, store: r.store, topic: r.topic, partition: r.partition }, value: pick(r) }))
    this.#publish(n.restoredRecords, 'Changelog records restored into state stores', 'counter', restore((r) => r.restored))
    this.#publish(n.restoreRemainingRecords, 'Changelog records still to restore', 'gauge', restore((r) => r.remaining))
    this.#publish(n.restoreRate, 'Restore rate of the last restored batch, records per second', 'gauge', restore((r) => r.rate))
    subscribe(DEAD_LETTER_CHANNEL, this.#onDeadLetter)
  }

  /** A task started: its nodes and stores are read at every scrape until `removeTask`. */
  addTask(task: InstrumentedTask): void {
    this.#tasks.set(task.taskId, task)
  }

  /** A task closed: its counts are kept, so counters stay monotonic. */
  removeTask(taskId: string): void {
    const task = this.#tasks.get(taskId)
    if (task === undefined) return
    this.#tasks.delete(taskId)
    for (const [key, value] of this.#countsOf(task)) this.#retained.set(key, (this.#retained.get(key) ?? 0) + value)
  }

  /** The end-to-end latency histogram of a sink node; the same object across the task's lives. */
  latencyHistogram(taskId: string, sinkNode: string): BucketHistogram {
    const key = taskId + SEP + sinkNode
    let h = this.#latency.get(key)
    if (h === undefined) this.#latency.set(key, (h = new BucketHistogram(LATENCY_BUCKETS_SECONDS)))
    return h
  }

  /** How the per-partition lag is computed at scrape time (the stream thread knows positions and end offsets). */
  setLagProvider(provider: (() => Promise<ReadonlyArray<PartitionLag>>) | undefined): void {
    this.#lag = provider
  }

  restoreStarted(store: string, topic: string, partition: number, startOffset: number, endOffset: number): void {
    const r = this.#restoreEntry(store, topic, partition)
    r.remaining = Math.max(0, endOffset - startOffset)
    r.last = performance.now()
  }

  restoreBatch(store: string, topic: string, partition: number, batchEndOffset: number, endOffset: number | undefined, records: number): void {
    const r = this.#restoreEntry(store, topic, partition)
    const now = performance.now()
    r.restored += records
    if (endOffset !== undefined) r.remaining = Math.max(0, endOffset - batchEndOffset - 1)
    else r.remaining = Math.max(0, r.remaining - records)
    const elapsed = (now - r.last) / 1000
    if (elapsed > 0) r.rate = records / elapsed
    r.last = now
  }

  restoreEnded(store: string, topic: string, partition: number): void {
    this.#restoreEntry(store, topic, partition).remaining = 0
  }

  /** Unsubscribes and removes this instance's series from the registry. */
  close(): void {
    unsubscribe(DEAD_LETTER_CHANNEL, this.#onDeadLetter)
    for (const undo of this.#unregister.splice(0)) undo()
  }

  #publish(name: string, help: string, type: MetricType, source: () => Sample[] | Promise<Sample[]>): void {
    const metric = collectedMetric(this.registry, name, help, type)
    metric.sources.add(source)
    this.#unregister.push(() => metric.sources.delete(source))
  }

  #restoreEntry(store: string, topic: string, partition: number) {
    const key = store + SEP + topic + SEP + partition
    let r = this.#restore.get(key)
    if (r === undefined) this.#restore.set(key, (r = { store, topic, partition, restored: 0, remaining: 0, rate: 0, last: performance.now() }))
    return r
  }

  /**
   * A DSL operator dropped a record on purpose. Reported by the task's context (the same reports
   * `kstreams:dropped-records` publishes), so two drivers of one application in one process never
   * count each other's drops.
   */
  recordDropped(taskId: string, node: string, reason: string): void {
    const key = taskId + SEP + reason
    this.#dropped.set(key, (this.#dropped.get(key) ?? 0) + 1)
    if (isLate(reason)) {
      const late = taskId + SEP + node
      this.#late.set(late, (this.#late.get(late) ?? 0) + 1)
    }
  }

  #deadLetterRecorded(m: DeadLetterMessage): void {
    if (m.applicationId !== this.applicationId || !this.#tasks.has(m.taskId)) return
    const key = m.handler + SEP + (m.sourceTopic ?? '')
    this.#deadLetters.set(key, (this.#deadLetters.get(key) ?? 0) + 1)
  }

  /** Current counts of a task: `t:<task>`, `n:<task>/<node>`, `s:<task>/<store>/<op>`. */
  #countsOf(task: InstrumentedTask): Map<string, number> {
    const out = new Map<string, number>()
    let processed = 0
    for (const s of task.sources) processed += s.processed
    out.set('t' + SEP + task.taskId, processed)
    for (const node of task.nodes) out.set('n' + SEP + task.taskId + SEP + node.name, node.processed)
    for (const store of task.stores) {
      for (const op in store.counts) out.set('s' + SEP + task.taskId + SEP + store.name + SEP + op, store.counts[op]!)
    }
    return out
  }

  #current(kind: string): Map<string[], number> {
    const totals = new Map<string, number>()
    for (const [key, value] of this.#retained) if (key.startsWith(kind + SEP)) totals.set(key, value)
    for (const task of this.#tasks.values()) {
      for (const [key, value] of this.#countsOf(task)) if (key.startsWith(kind + SEP)) totals.set(key, (totals.get(key) ?? 0) + value)
    }
    const out = new Map<string[], number>()
    for (const [key, value] of totals) out.set(key.split(SEP).slice(1), value)
    return out
  }

  #taskCounts(): Sample[] {
    return [...this.#current('t')].map(([[task], value]) => ({ labels: this.#labels({ task_id: task! }), value }))
  }

  #nodeCounts(): Sample[] {
    return [...this.#current('n')].map(([[task, node], value]) => ({ labels: this.#labels({ task_id: task!, node: node! }), value }))
  }

  #storeCounts(): Sample[] {
    return [...this.#current('s')].map(([[task, store, operation], value]) =>
      ({ labels: this.#labels({ task_id: task!, store: store!, operation: operation! }), value }))
  }

  #fromMap(map: Map<string, number>, names: readonly [string, string]): Sample[] {
    return [...map].map(([key, value]) => {
      const [a, b] = key.split(SEP)
      return { labels: this.#labels({ [names[0]]: a!, [names[1]]: b! }), value }
    })
  }

  #labels(labels: Labels): Labels {
    return { application_id: this.applicationId, ...labels }
  }
}

/** `promise`, or a rejection after `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}
