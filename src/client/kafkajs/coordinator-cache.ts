import type { Kafka } from 'kafkajs'

/** kafkajs's `COORDINATOR_TYPES.TRANSACTION` (its group coordinator is 0). */
const TRANSACTION = 1

/** The members of kafkajs's `Cluster` this module wraps (kafkajs 2.2.4, its last release). */
interface WrappedCluster {
  findGroupCoordinator(request: { groupId: string; coordinatorType?: number }): Promise<unknown>
  refreshMetadata(): Promise<void>
  connect(): Promise<void>
  disconnect(): Promise<void>
  removeBroker(broker: { host: string; port: number }): void
}

/** Controls the transaction-coordinator cache of one producer's cluster. */
export interface TransactionCoordinatorCache {
  /** Starts caching (after the producer id is initialised: see below). */
  enable(): void
  /** Forgets the coordinator: the next transactional request looks it up again. */
  invalidate(): void
}

const inert: TransactionCoordinatorCache = { enable: () => undefined, invalidate: () => undefined }

/**
 * Runs `create` (which calls `kafka.producer(...)`) so that the producer's kafkajs cluster
 * remembers its transaction coordinator. kafkajs sends a FindCoordinator request before every
 * AddPartitionsToTxn, AddOffsetsToTxn and EndTxn: four extra round trips in each exactly-once
 * commit cycle, on the commit's critical path, where the Java producer looks the coordinator up
 * once and again only after an error. With the cache a commit is AddOffsetsToTxn,
 * FindCoordinator (the group's, still looked up every time), TxnOffsetCommit, EndTxn.
 *
 * A stale coordinator only makes requests fail (NOT_COORDINATOR, a closed connection), never
 * commit anything wrongly: the broker checks the producer id and epoch. It is forgotten when
 * kafkajs refreshes metadata (its send retrier does on every retriable error, so a retried
 * AddPartitionsToTxn asks afresh), reconnects, disconnects or drops a broker, and whenever the
 * producer reports a failed call (`invalidate`). It is only used once `enable()` was called:
 * kafkajs's InitProducerId retrier looks the coordinator up again after NOT_COORDINATOR without
 * refreshing metadata, and must not be handed the stale one.
 *
 * Without kafkajs's private cluster factory (another kafkajs version) nothing is cached.
 */
export function withTransactionCoordinatorCache<T>(kafka: Kafka, create: () => T): { readonly created: T; readonly cache: TransactionCoordinatorCache } {
  const key = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster')
  const holder = kafka as unknown as Record<symbol, unknown>
  const original = key === undefined ? undefined : holder[key]
  if (key === undefined || typeof original !== 'function' || !Object.hasOwn(kafka, key)) return { created: create(), cache: inert }
  let cache: TransactionCoordinatorCache = inert
  holder[key] = (options: unknown) => {
    const cluster = (original as (options: unknown) => WrappedCluster).call(kafka, options)
    cache = cacheCoordinator(cluster)
    return cluster
  }
  try {
    return { created: create(), cache }
  } finally {
    holder[key] = original
  }
}

function cacheCoordinator(cluster: WrappedCluster): TransactionCoordinatorCache {
  const find = cluster.findGroupCoordinator.bind(cluster)
  let enabled = false
  let cached: { readonly groupId: string; readonly broker: Promise<unknown> } | undefined
  const invalidate = (): void => {
    cached = undefined
  }
  cluster.findGroupCoordinator = (request) => {
    if (!enabled || request.coordinatorType !== TRANSACTION) return find(request)
    if (cached?.groupId !== request.groupId) {
      const broker = find(request)
      const entry = { groupId: request.groupId, broker }
      cached = entry
      // A failed lookup is not remembered.
      broker.catch(() => {
        if (cached === entry) cached = undefined
      })
    }
    return cached.broker
  }
  for (const method of ['refreshMetadata', 'connect', 'disconnect'] as const) {
    const call = cluster[method].bind(cluster)
    cluster[method] = () => {
      invalidate()
      return call()
    }
  }
  const removeBroker = cluster.removeBroker.bind(cluster)
  cluster.removeBroker = (broker) => {
    invalidate()
    removeBroker(broker)
  }
  return {
    enable: () => void (enabled = true),
    invalidate,
  }
}
