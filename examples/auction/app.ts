/**
 * Starting and stopping the auction app: its topics, one `KafkaStreams` instance on the embedded
 * broker or on a Kafka cluster, and counts of what its processors handled.
 */
import type { KafkaClient, KafkaStreams } from 'kstreams'
import { clusterClient as toolsClient, runStreams } from '../shared/run-app.ts'
import type { AppOptions, Cluster } from '../shared/run-app.ts'
import { TOPICS } from './model.ts'
import type { OnRecord } from './processors.ts'
import { buildAuctionTopology } from './topology.ts'

export type { Cluster }

/** Default application id `auction`. */
export type AuctionAppOptions = AppOptions

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
  return toolsClient(cluster, 'auction-tools')
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
  const { streams, close } = await runStreams(topology, {
    ...options,
    applicationId: options.applicationId ?? 'auction',
    tempPrefix: 'kstreams-auction-',
  })
  return {
    streams,
    counts,
    processed: () => counts.submission + counts.item + counts.bid + counts.close + counts.complete,
    close,
  }
}
