/**
 * Starting and stopping the payments app: its topics, one `KafkaStreams` instance on the
 * embedded broker or on a Kafka cluster, and a count of the records its processors handled.
 */
import type { KafkaClient, KafkaStreams } from 'kstreams'
import { clusterClient as toolsClient, runStreams } from '../shared/run-app.ts'
import type { AppOptions, Cluster } from '../shared/run-app.ts'
import { TOPICS } from './model.ts'
import { buildPaymentsTopology } from './topology.ts'

export type { Cluster }

/** Default application id `payments`. */
export type PaymentsAppOptions = AppOptions

export interface PaymentsApp {
  readonly streams: KafkaStreams
  /** Records the payments processors handled so far in this instance. */
  processed(): number
  close(): Promise<void>
}

/** A client for the app's own producing and reading (load, verification) on the same cluster. */
export function clusterClient(cluster: Cluster): KafkaClient {
  return toolsClient(cluster, 'payments-tools')
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
  const { streams, close } = await runStreams(topology, {
    ...options,
    applicationId: options.applicationId ?? 'payments',
    tempPrefix: 'kstreams-payments-',
  })
  return {
    streams,
    processed: () => processed,
    close,
  }
}
