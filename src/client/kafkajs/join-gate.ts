import type { PartitionAssigner } from 'kafkajs'
import type { Logger } from '../../instrumentation/logger.ts'

interface Coordinator {
  heartbeat(request: { groupId: string; groupGenerationId: number; memberId: string }): Promise<unknown>
}

/** The part of kafkajs's `Cluster` (as handed to partition assigners) the gate wraps. */
interface GatedCluster {
  findGroupCoordinator(request: { groupId: string; coordinatorType?: number }): Promise<Coordinator>
}

export interface JoinGateOptions {
  readonly groupId: string
  /** Queues the revoke of everything owned; settles once the listener ran it (undefined: nothing owned). */
  revoke(): Promise<void> | undefined
  /** The member and generation of the last successful heartbeat or commit, if known. */
  generation(): { readonly memberId: string; readonly generationId: number } | undefined
  readonly heartbeatInterval: number
  /** The longest the join is held back: the broker drops members that rejoin later than its rebalance timeout. */
  readonly maxHoldMs: number
  /** Without a known generation the gate cannot heartbeat, so it holds for less than this. */
  readonly sessionTimeout: number
  readonly logger: Logger
}

/**
 * Java's eager consumer runs `onPartitionsRevoked` (where Kafka Streams commits) before it sends
 * JoinGroup, so those commits land in the generation that owned the partitions. kafkajs rejoins
 * as soon as it notices a rebalance, and every join starts with `cluster.findGroupCoordinator`
 * (its only other caller is `consumer.describeGroup`, which the adapter does not use). Wrapping
 * that method on the consumer's own cluster holds each rejoin until `poll()` has run the revoke.
 * Meanwhile the gate heartbeats, as the Java consumer's heartbeat thread does (KIP-62): a member
 * that neither heartbeats nor has a JoinGroup pending loses its session.
 */
export function withJoinGate(assigner: PartitionAssigner, options: JoinGateOptions): PartitionAssigner {
  return (context) => {
    // kafkajs hands its partition assigners the consumer's own cluster.
    const cluster = context.cluster as unknown as GatedCluster
    const find = cluster.findGroupCoordinator.bind(cluster)
    cluster.findGroupCoordinator = async (request) => {
      if (request.coordinatorType === undefined || request.coordinatorType === 0) await hold(options, () => find({ groupId: options.groupId }))
      return find(request)
    }
    return assigner(context)
  }
}

async function hold(options: JoinGateOptions, coordinator: () => Promise<Coordinator>): Promise<void> {
  const revoked = options.revoke()
  if (!revoked) return
  let done = false
  void revoked.then(() => (done = true))
  const started = Date.now()
  let broker: Coordinator | undefined
  for (;;) {
    const limit = options.generation() ? options.maxHoldMs : Math.min(options.maxHoldMs, options.sessionTimeout / 2)
    const left = limit - (Date.now() - started)
    if (left <= 0) {
      options.logger.warn({ heldMs: Date.now() - started }, 'poll() did not run the revoke in time: rejoining without it')
      return
    }
    await Promise.race([revoked, new Promise((resolve) => setTimeout(resolve, Math.min(options.heartbeatInterval, left)).unref())])
    if (done) return
    const member = options.generation()
    if (!member) continue
    try {
      broker ??= await coordinator()
      await broker.heartbeat({ groupId: options.groupId, groupGenerationId: member.generationId, memberId: member.memberId })
    } catch {
      // REBALANCE_IN_PROGRESS is the expected answer; it still counts as a heartbeat.
    }
  }
}
