/**
 * Running an example app's topology: one `KafkaStreams` instance on the embedded broker or on a
 * Kafka cluster, in a state directory of its own unless given one, and closing it again.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKafkaJsClient, KafkaStreams } from 'kstreams'
import type { KafkaClient, KafkaJsClientConfig, Logger, ProcessingGuarantee, StoreType, Topology } from 'kstreams'
import { consoleLogger } from './console-logger.ts'

/** Where the app runs: a client-port instance (the embedded broker), or a Kafka cluster through kafkajs. */
export type Cluster = { readonly client: KafkaClient } | { readonly kafka: KafkaJsClientConfig }

/** A client for the app's own producing and reading (load, verification) on the same cluster. */
export function clusterClient(cluster: Cluster, clientId: string): KafkaClient {
  return 'client' in cluster ? cluster.client : createKafkaJsClient({ ...cluster.kafka, clientId })
}

/** What an example app is started with. */
export interface AppOptions {
  readonly cluster: Cluster
  /** Default: the app's name. The consumer group, and the prefix of internal topics. */
  readonly applicationId?: string
  readonly processingGuarantee?: ProcessingGuarantee
  readonly storeType?: StoreType
  /** Default: a fresh temporary directory, removed by `close()`. */
  readonly stateDir?: string
  /** `host:port` of this instance's HTTP endpoints, shared with the group for interactive queries. */
  readonly applicationServer?: string
  readonly commitIntervalMs?: number
  readonly logger?: Logger
}

export interface RunOptions extends AppOptions {
  readonly applicationId: string
  /** Names the temporary state directory. */
  readonly tempPrefix: string
}

export interface RunningStreams {
  readonly streams: KafkaStreams
  close(): Promise<void>
}

/** Starts the topology; when the start fails the instance is closed and its own state directory removed. */
export async function runStreams(topology: Topology, options: RunOptions): Promise<RunningStreams> {
  const ownStateDir = options.stateDir === undefined ? mkdtempSync(join(tmpdir(), options.tempPrefix)) : undefined
  const streams = new KafkaStreams(topology, {
    applicationId: options.applicationId,
    ...options.cluster,
    stateDir: options.stateDir ?? ownStateDir!,
    processingGuarantee: options.processingGuarantee ?? 'exactly_once',
    // Bad bytes on an app's typed topics are skipped; the topics an app reads raw dead-letter
    // what they cannot read themselves.
    deserializationExceptionHandler: 'continue',
    ...(options.applicationServer ? { applicationServer: options.applicationServer } : {}),
    ...(options.commitIntervalMs !== undefined ? { commitIntervalMs: options.commitIntervalMs } : {}),
    // For harnesses that count restores (chaos/): one stderr line per restored store partition.
    ...(process.env.KSTREAMS_REPORT_RESTORES === '1'
      ? { restoreListener: { onRestoreEnd: (tp, store, total) => process.stderr.write(`restored ${total} records into ${store} from ${tp.topic}-${tp.partition}\n`) } }
      : {}),
    logger: options.logger ?? consoleLogger(),
  })
  const cleanUp = (): void => {
    if (ownStateDir !== undefined) rmSync(ownStateDir, { recursive: true, force: true })
  }
  try {
    await streams.start()
  } catch (error) {
    await streams.close()
    cleanUp()
    throw error
  }
  return {
    streams,
    close: async () => {
      await streams.close({ timeoutMs: 30_000 })
      cleanUp()
    },
  }
}

/** Whether this instance runs every task of the app (so its local stores hold everything). */
export function ownsAllTasks(streams: KafkaStreams): boolean {
  const counts = streams.topicLayout?.taskCounts
  const total = counts ? [...counts.values()].reduce((a, b) => a + b, 0) : Number.NaN
  return streams.activeTasks().length === total
}
