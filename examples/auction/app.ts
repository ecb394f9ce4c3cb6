/**
 * Starting and stopping the auction app: its topics, one `KafkaStreams` instance on the embedded
 * broker or on a Kafka cluster, and counts of what its processors handled.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKafkaJsClient, KafkaStreams } from 'kstreams'
import type { KafkaClient, KafkaJsClientConfig, Logger, ProcessingGuarantee, StoreType } from 'kstreams'
import { TOPICS } from './model.ts'
import type { OnRecord } from './processors.ts'
import { buildAuctionTopology } from './topology.ts'

/** Where the app runs: a client-port instance (the embedded broker), or a Kafka cluster through kafkajs. */
export type Cluster = { readonly client: KafkaClient } | { readonly kafka: KafkaJsClientConfig }

export interface AuctionAppOptions {
  readonly cluster: Cluster
  /** Default `auction`: the consumer group, and the prefix of internal topics. */
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

export type Counts = { [K in Parameters<OnRecord>[0]]: number }

export interface AuctionApp {
  readonly streams: KafkaStreams
  /** What this instance's processors handled so far. */
  readonly counts: Readonly<Counts>
  /** Records the processors handled so far in this instance. */
  processed(): number
  close(): Promise<void>
}

/** A client for the app's own producing and reading (load, verification) on the same cluster. */
export function clusterClient(cluster: Cluster): KafkaClient {
  return 'client' in cluster ? cluster.client : createKafkaJsClient({ ...cluster.kafka, clientId: 'auction-tools' })
}

/** Creates the app's topics where missing (all with the same partitions: they meet by item id); the internal ones the runtime creates itself. */
export async function createAuctionTopics(client: KafkaClient, partitions: number): Promise<void> {
  const admin = client.admin()
  try {
    await admin.createTopics(Object.values(TOPICS).map((name) => ({ name, numPartitions: partitions })))
  } finally {
    await admin.close()
  }
}

export async function startAuctionApp(options: AuctionAppOptions): Promise<AuctionApp> {
  const counts: Counts = { submission: 0, item: 0, bid: 0, close: 0, complete: 0 }
  const topology = buildAuctionTopology({
    ...(options.storeType ? { storeType: options.storeType } : {}),
    onRecord: (what) => {
      counts[what]++
    },
  })
  const ownStateDir = options.stateDir === undefined ? mkdtempSync(join(tmpdir(), 'kstreams-auction-')) : undefined
  const streams = new KafkaStreams(topology, {
    applicationId: options.applicationId ?? 'auction',
    ...options.cluster,
    stateDir: options.stateDir ?? ownStateDir!,
    processingGuarantee: options.processingGuarantee ?? 'exactly_once',
    // Bad bytes on the typed topics are skipped; the submission topics are read raw and
    // dead-letter what they cannot read themselves.
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
    counts,
    processed: () => counts.submission + counts.item + counts.bid + counts.close + counts.complete,
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
