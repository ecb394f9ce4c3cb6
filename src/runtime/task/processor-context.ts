import type { Cancellable, ProcessorContext, Punctuator, PunctuationType } from '../../processors/processor.ts'
import type { Record, RecordMetadata } from '../../processors/record.ts'
import type { StateStore } from '../../state/store.ts'
import { noopProcessorMetrics, type ProcessorMetrics, type TaskBusinessMetrics } from '../../instrumentation/business-metrics.ts'
import type { BucketHistogram } from '../../instrumentation/histogram-buckets.ts'
import type { RecordTracing } from '../../instrumentation/record-tracing.ts'
import { StreamsError } from './errors.ts'
import type { ProcessorNode } from './processor-node.ts'
import type { Time } from './task-config.ts'

/** What the context needs from its task. */
export interface ContextHost {
  readonly streamTime: number
  /** A store of this task as processors see it; undefined when the task has no such store. */
  processorStore(name: string): StateStore | undefined
  globalStore(name: string): StateStore | undefined
  schedule(node: ProcessorNode, intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable
  requestCommit(): void
  /** Counts a record a processor dropped on purpose and logs a warning naming it. */
  recordDropped(node: ProcessorNode, reason: string, details: { readonly [key: string]: unknown }): void
}

/** What the metrics and tracing layers attach to a task's context (see task-instrumentation.ts). */
export interface ContextInstruments {
  readonly business: TaskBusinessMetrics | undefined
  readonly punctuate: BucketHistogram | undefined
  readonly tracing: RecordTracing | undefined
  readonly dropped: ((taskId: string, node: string, reason: string) => void) | undefined
}

/**
 * The one `ProcessorContext` of a task, shared by all its processors (as in Kafka Streams).
 * Processing is synchronous and depth-first, so the context tracks the node currently running:
 * `forward` calls each child with `currentNode` set to it and restores it afterwards — a plain
 * call with no closure or allocation. After a throw `currentNode` is left at the node that threw,
 * which is how the task names the failing node; the task resets it before the next record.
 * Code that forwards outside `process` (a cache flush listener at commit, see the DSL's
 * `TimestampedTupleForwarder`) sets `currentNode` to its own node around the forward: keep the
 * field's name and meaning stable.
 */
export class ProcessorContextImpl implements ProcessorContext<unknown, unknown> {
  readonly applicationId: string
  readonly taskId: string
  currentNode: ProcessorNode
  /** Metadata of the record being processed; topic undefined inside a punctuator. */
  recordTopic: string | undefined = undefined
  recordPartition = -1
  recordOffset = -1
  /** Timestamp of the record being processed, or the punctuation time. */
  timestamp = -1
  /**
   * Wall clock of the current processing pass, set once per pass by the runtime (Kafka Streams'
   * cached system time), so sinks need no clock read per record; undefined in the test driver,
   * whose mock clock is read instead.
   */
  systemTimeMs: number | undefined = undefined
  /** Set before the processors' `init` when metrics or tracing are on. */
  instruments: ContextInstruments | undefined = undefined
  readonly #host: ContextHost
  readonly #time: Time

  constructor(applicationId: string, taskId: string, host: ContextHost, time: Time, root: ProcessorNode) {
    this.applicationId = applicationId
    this.taskId = taskId
    this.#host = host
    this.#time = time
    this.currentNode = root
  }

  /** Points the context at a consumed record about to be processed (Kafka Streams' `setRecordContext`). */
  setRecordContext(topic: string, partition: number, offset: number, timestamp: number): void {
    this.recordTopic = topic
    this.recordPartition = partition
    this.recordOffset = offset
    this.timestamp = timestamp
  }

  /** Points the context at a punctuator about to fire: no record metadata, the punctuation time. */
  setPunctuationContext(node: ProcessorNode, timestamp: number): void {
    this.currentNode = node
    this.recordTopic = undefined
    this.recordPartition = -1
    this.recordOffset = -1
    this.timestamp = timestamp
  }

  /**
   * Hands a record from a source node to its children: counts it, and traces it when someone
   * listens (a `kstreams:process` subscriber or an OpenTelemetry SDK); otherwise a plain forward.
   */
  processSource(source: ProcessorNode, record: Record<unknown, unknown>): void {
    source.processed++
    this.currentNode = source
    const tracing = this.instruments?.tracing
    if (tracing === undefined || !tracing.active) {
      this.forward(record)
      return
    }
    tracing.trace(
      { taskId: this.taskId, node: source.name, topic: this.recordTopic, partition: this.recordPartition, offset: this.recordOffset, timestamp: record.timestamp, headers: record.headers },
      (headers) => this.forward(headers === record.headers ? record : record.withHeaders(headers)),
    )
  }

  forward(record: Record<unknown, unknown>, childName?: string): void {
    const node = this.currentNode
    if (childName === undefined) {
      const children = node.children
      for (let i = 0; i < children.length; i++) this.#deliver(children[i]!, record)
    } else {
      const child = node.child(childName)
      if (child === undefined) {
        const names = node.children.map((c) => `"${c.name}"`).join(', ') || 'none'
        throw new StreamsError(`Processor "${node.name}" has no child named "${childName}" (its children: ${names})`)
      }
      this.#deliver(child, record)
    }
    this.currentNode = node
  }

  /** Node counters are plain integers; a sink's latency is observed once its record was sent. */
  #deliver(child: ProcessorNode, record: Record<unknown, unknown>): void {
    this.currentNode = child
    child.processed++
    child.processor.process(record)
    if (child.latency !== undefined) child.latency.observe(((this.systemTimeMs ?? this.#time.now()) - record.timestamp) / 1000)
  }

  /** Business metrics scoped to the node running now (create them in `init`). */
  get metrics(): ProcessorMetrics {
    return this.instruments?.business?.forNode(this.currentNode.name) ?? noopProcessorMetrics
  }

  getStateStore<S extends StateStore>(name: string): S {
    const node = this.currentNode
    if (node.stores.has(name)) {
      const store = this.#host.processorStore(name)
      if (store !== undefined) return store as S
    }
    const global = this.#host.globalStore(name)
    if (global !== undefined) return global as S
    if (this.#host.processorStore(name) !== undefined) {
      throw new StreamsError(
        `Processor "${node.name}" has no access to state store "${name}": the store is not connected to it. ` +
          `Connect it with topology.addStateStore(builder, "${node.name}") or ` +
          `topology.connectProcessorAndStateStores("${node.name}", "${name}")`,
      )
    }
    const connected = [...node.stores].map((s) => `"${s}"`).join(', ') || 'none'
    throw new StreamsError(
      `Processor "${node.name}" asked for state store "${name}", which is not in this task (stores connected to it: ${connected})`,
    )
  }

  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable {
    if (!Number.isFinite(intervalMs) || intervalMs < 1) {
      throw new RangeError(`Punctuation interval must be at least 1 ms, got ${intervalMs}`)
    }
    if (type !== 'stream-time' && type !== 'wall-clock') {
      throw new TypeError(`Punctuation type must be 'stream-time' or 'wall-clock', got ${String(type)}`)
    }
    if (typeof punctuator !== 'function') throw new TypeError('schedule() needs a punctuator function')
    const histogram = this.instruments?.punctuate
    const timed: Punctuator = histogram === undefined ? punctuator : (timestamp) => {
      const start = performance.now()
      try {
        punctuator(timestamp)
      } finally {
        histogram.observe((performance.now() - start) / 1000)
      }
    }
    return this.#host.schedule(this.currentNode, Math.floor(intervalMs), type, timed)
  }

  recordMetadata(): RecordMetadata | undefined {
    if (this.recordTopic === undefined) return undefined
    return { topic: this.recordTopic, partition: this.recordPartition, offset: this.recordOffset }
  }

  commit(): void {
    this.#host.requestCommit()
  }

  /**
   * DSL operators report the records they skip on purpose here (a record too late for its
   * window): the task counts them (`droppedRecords`) and logs a warning naming the record's topic,
   * partition and offset — never silently. Found by shape (see src/processors/dropped-record.ts),
   * so keep the name.
   */
  reportDroppedRecord(reason: string, details: { readonly [key: string]: unknown }): void {
    this.instruments?.dropped?.(this.taskId, this.currentNode.name, reason)
    this.#host.recordDropped(this.currentNode, reason, {
      ...(this.recordTopic !== undefined && { topic: this.recordTopic, partition: this.recordPartition, offset: this.recordOffset }),
      ...details,
    })
  }

  currentStreamTimeMs(): number {
    return this.#host.streamTime
  }

  currentSystemTimeMs(): number {
    return this.#time.now()
  }
}
