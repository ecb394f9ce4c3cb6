/**
 * Starting and stopping the payments app: its topics, one `KafkaStreams` instance on the
 * embedded broker or on a Kafka cluster, and a count of the records its processors handled.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKafkaJsClient, KafkaStreams } from 'kstreams'
import type { KafkaClient, KafkaJsClientConfig, Logger, ProcessingGuarantee, StoreType } from 'kstreams'
import { TOPICS } from './model.ts'
import { buildPaymentsTopology } from './topology.ts'

/** Where the app runs: a client-port instance (the embedded broker), or a Kafka cluster through kafkajs. */
export type Cluster = { readonly client: KafkaClient } | { readonly kafka: KafkaJsClientConfig }

export interface PaymentsAppOptions {
  readonly cluster: Cluster
  /** Default `payments`: the consumer group, and the prefix of internal topics. */
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

export interface PaymentsApp {
  readonly streams: KafkaStreams
  /** Records the payments processors handled so far in this instance. */
  processed(): number
  close(): Promise<void>
}

/** A client for the app's own producing and reading (load, verification) on the same cluster. */
export function clusterClient(cluster: Cluster): KafkaClient {
  return 'client' in cluster ? cluster.client : createKafkaJsClient({ ...cluster.kafka, clientId: 'payments-tools' })
}

/** Creates the app's topics where missing; the internal ones the runtime creates itself. */
export async function createPaymentTopics(client: KafkaClient, partitions: number): Promise<void> {
  const admin = client.admin()
  try {
    await admin.createTopics([
      { name: TOPICS.accounts, numPartitions: 1, config: { 'cleanup.policy': 'compact' } },
      ...[TOPICS.inflight, TOPICS.payment, TOPICS.complete, TOPICS.rejected, TOPICS.dlq].map((name) => ({ name, numPartitions: partitions })),
    ])
  } finally {
    await admin.close()
  }
}

export async function startPaymentsApp(options: PaymentsAppOptions): Promise<PaymentsApp> {
  let processed = 0
  const topology = buildPaymentsTopology({
    ...(options.storeType ? { storeType: options.storeType } : {}),
    onRecord: () => {
      processed++
    },
  })
  const ownStateDir = options.stateDir === undefined ? mkdtempSync(join(tmpdir(), 'kstreams-payments-')) : undefined
  const streams = new KafkaStreams(topology, {
    applicationId: options.applicationId ?? 'payments',
    ...options.cluster,
    stateDir: options.stateDir ?? ownStateDir!,
    processingGuarantee: options.processingGuarantee ?? 'exactly_once',
    // Bad bytes on the app's typed topics are skipped (payment-inflight is read raw and
    // dead-letters what it cannot read itself).
    deserializationExceptionHandler: 'continue',
    ...(options.applicationServer ? { applicationServer: options.applicationServer } : {}),
    ...(options.commitIntervalMs !== undefined ? { commitIntervalMs: options.commitIntervalMs } : {}),
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
    processed: () => processed,
    close: async () => {
      await streams.close({ timeoutMs: 30_000 })
      cleanUp()
    },
  }
}

/** Warnings and errors on stderr, one line each; the runtime's info lines would drown the progress. */
export function consoleLogger(bindings: object = {}): Logger {
  const noop = (): void => {}
  const line = (level: string) => (obj: object, msg?: string): void => {
    const { err, ...rest } = { ...bindings, ...obj } as { err?: unknown }
    const cause = err instanceof Error ? ` (${err.name}: ${err.message})` : err !== undefined ? ` (${String(err)})` : ''
    process.stderr.write(`${level} ${msg ?? ''}${cause} ${JSON.stringify(rest)}\n`)
  }
  return { trace: noop, debug: noop, info: noop, warn: line('warn'), error: line('error'), child: (b) => consoleLogger({ ...bindings, ...b }) }
}
