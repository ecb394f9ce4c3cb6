import type { KafkaStreams } from '../runtime/kafka-streams.ts'
import type { ThreadMetadata } from '../runtime/thread-metadata.ts'
import { metricsSnapshot, type MetricsRegistry, type MetricsSnapshot } from './metrics-snapshot.ts'

/** `GET /api/status`: what the web view polls every second. */
export interface StreamsStatus {
  readonly applicationId: string
  /** This instance (`host:port`). */
  readonly instance: string
  readonly state: string
  /** Wall clock of this answer (ms); the view divides counter deltas by its deltas. */
  readonly time: number
  readonly threads: ThreadMetadata[]
  /** Every instance of the group with an `applicationServer`, and its tasks (as of the latest rebalance). */
  readonly instances: Array<{ readonly instance: string; readonly activeTasks: string[]; readonly standbyTasks: string[]; readonly stores: string[] }>
  /** Null when no metrics registry is available (`metrics: false`). */
  readonly metrics: MetricsSnapshot | null
  readonly metricsError?: string
}

export async function streamsStatus(streams: KafkaStreams, instance: string, registry: MetricsRegistry | undefined): Promise<StreamsStatus> {
  let metrics: MetricsSnapshot | null = null
  let metricsError: string | undefined
  if (registry !== undefined) {
    try {
      metrics = await metricsSnapshot(registry, streams.applicationId)
    } catch (error) {
      metricsError = (error as Error).message
    }
  }
  return {
    applicationId: streams.applicationId,
    instance,
    state: streams.state,
    time: Date.now(),
    threads: streams.metadataForLocalThreads(),
    instances: streams.allMetadata().map((m) => ({
      instance: `${m.hostInfo.host}:${m.hostInfo.port}`,
      activeTasks: m.activeTasks,
      standbyTasks: m.standbyTasks,
      stores: m.stateStoreNames,
    })),
    metrics,
    ...(metricsError !== undefined ? { metricsError } : {}),
  }
}
