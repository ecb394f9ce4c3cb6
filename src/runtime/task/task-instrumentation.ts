import { TaskBusinessMetrics } from '../../instrumentation/business-metrics.ts'
import type { RecordTracing } from '../../instrumentation/record-tracing.ts'
import type { CountedStore, StreamsMetrics } from '../../instrumentation/streams-metrics.ts'
import type { StateStore } from '../../state/store.ts'
import { SOURCE_PROCESSOR } from './processor-node.ts'
import { SinkProcessor } from './sink-node.ts'
import type { StreamTask } from './stream-task.ts'

/** The metrics and tracing of one `KafkaStreams` instance or test driver; either may be off. */
export interface Instrumentation {
  readonly metrics: StreamsMetrics | undefined
  readonly tracing: RecordTracing | undefined
}

export const NO_INSTRUMENTATION: Instrumentation = { metrics: undefined, tracing: undefined }

/**
 * Attaches a task to the metrics and tracing layers, before its processors' `init` (which may
 * create business metrics and schedule punctuators): its nodes and metered stores are read at
 * every scrape, its sinks observe end-to-end latency, its context gets business metrics, timed
 * punctuators and record tracing. `detachTask` when the task closes keeps its counts.
 */
export function instrumentTask(task: StreamTask, instrumentation: Instrumentation): void {
  const { metrics, tracing } = instrumentation
  if (metrics !== undefined) {
    const nodes = [...task.nodes()]
    for (const node of nodes) if (node.processor instanceof SinkProcessor) node.latency = metrics.latencyHistogram(task.id, node.name)
    const stores = [...task.stateManager.stores.values()].filter(isCounted)
    metrics.addTask({ taskId: task.id, sources: nodes.filter((n) => n.processor === SOURCE_PROCESSOR), nodes, stores })
  }
  task.context.instruments = {
    business: metrics && new TaskBusinessMetrics(metrics.registry, metrics.applicationId, task.id),
    punctuate: metrics?.punctuate,
    tracing,
    dropped: metrics && ((taskId, node, reason) => metrics.recordDropped(taskId, node, reason)),
  }
}

export function detachTask(taskId: string, instrumentation: Instrumentation): void {
  instrumentation.metrics?.removeTask(taskId)
}

/** Metered stores count their operations (src/state/metered-*.ts). */
function isCounted(store: StateStore): store is StateStore & CountedStore {
  const counts = (store as Partial<CountedStore>).counts
  return typeof counts === 'object' && counts !== null
}
