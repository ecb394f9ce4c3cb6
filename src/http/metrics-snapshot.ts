import { MetricNames } from '../instrumentation/metric-names.ts'

/**
 * What the HTTP server needs of a metrics registry — prom-client's `Registry` fits — typed
 * structurally so `kstreams/http` does not tie users to one prom-client instance.
 */
export interface MetricsRegistry {
  readonly contentType: string
  metrics(): Promise<string>
  getMetricsAsJSON(): Promise<ReadonlyArray<MetricJson>>
}

export interface MetricJson {
  readonly name: string
  readonly values: ReadonlyArray<{
    readonly value: number
    readonly labels: { readonly [label: string]: string | number | undefined }
    readonly metricName?: string
  }>
}

/**
 * The counters the web view turns into rates (it polls every second and divides the deltas):
 * cumulative totals only, so two polls a second apart give the rate over that second.
 */
export interface MetricsSnapshot {
  /** Records each processor node received, summed over its tasks. */
  readonly nodes: { [node: string]: number }
  /** Records each task processed. */
  readonly tasks: { [taskId: string]: number }
  /** End-to-end latency per sink node: histogram count and sum (seconds). */
  readonly latency: { [node: string]: { count: number; sum: number } }
  /** Consumer lag per input partition. */
  readonly lag: Array<{ topic: string; partition: number; lag: number }>
  deadLetterRecords: number
  droppedRecords: number
}

/** The application's share of the registry (the `application_id` label), summed as the view needs it. */
export async function metricsSnapshot(registry: MetricsRegistry, applicationId: string): Promise<MetricsSnapshot> {
  const snapshot: MetricsSnapshot = { nodes: {}, tasks: {}, latency: {}, lag: [], deadLetterRecords: 0, droppedRecords: 0 }
  for (const metric of await registry.getMetricsAsJSON()) {
    for (const v of metric.values) {
      const labels = v.labels
      if (labels.application_id !== undefined && labels.application_id !== applicationId) continue
      const value = Number(v.value)
      if (!Number.isFinite(value)) continue
      switch (metric.name) {
        case MetricNames.nodeRecordsProcessed: add(snapshot.nodes, String(labels.node), value); break
        case MetricNames.recordsProcessed: add(snapshot.tasks, String(labels.task_id), value); break
        case MetricNames.consumerLag: snapshot.lag.push({ topic: String(labels.topic), partition: Number(labels.partition), lag: value }); break
        case MetricNames.deadLetterRecords: snapshot.deadLetterRecords += value; break
        case MetricNames.droppedRecords: snapshot.droppedRecords += value; break
        case MetricNames.endToEndLatency: {
          const node = String(labels.node)
          const entry = (snapshot.latency[node] ??= { count: 0, sum: 0 })
          if (v.metricName === `${metric.name}_count`) entry.count += value
          else if (v.metricName === `${metric.name}_sum`) entry.sum += value
          break
        }
      }
    }
  }
  snapshot.lag.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
  return snapshot
}

function add(into: { [key: string]: number }, key: string, value: number): void {
  into[key] = (into[key] ?? 0) + value
}
