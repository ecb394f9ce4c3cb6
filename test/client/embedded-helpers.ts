import type { Consumer, ConsumerRecord, GroupAssignor, KafkaClient, TopicPartition } from '../../src/client/port.ts'

export type ListenerEvent = { readonly kind: 'revoked' | 'assigned'; readonly partitions: string[] }

export const tp = (p: TopicPartition): string => `${p.topic}-${p.partition}`

/** A consumer whose rebalance listener records every call, in order. */
export function recordingConsumer(
  client: KafkaClient,
  options: {
    groupId: string
    topics: string[]
    isolationLevel?: 'read_committed' | 'read_uncommitted'
    autoOffsetReset?: 'earliest' | 'latest'
    assignor?: GroupAssignor
    maxPollRecords?: number
    onRevoked?: (partitions: ReadonlyArray<TopicPartition>) => Promise<void> | void
  },
): { consumer: Consumer; events: ListenerEvent[] } {
  const events: ListenerEvent[] = []
  const consumer = client.consumer({
    groupId: options.groupId,
    topics: options.topics,
    isolationLevel: options.isolationLevel ?? 'read_uncommitted',
    autoOffsetReset: options.autoOffsetReset ?? 'earliest',
    ...(options.assignor ? { assignor: options.assignor } : {}),
    ...(options.maxPollRecords ? { maxPollRecords: options.maxPollRecords } : {}),
    rebalanceListener: {
      async onPartitionsRevoked(partitions) {
        events.push({ kind: 'revoked', partitions: partitions.map(tp).sort() })
        await options.onRevoked?.(partitions)
      },
      onPartitionsAssigned(partitions) {
        events.push({ kind: 'assigned', partitions: partitions.map(tp).sort() })
      },
    },
  })
  return { consumer, events }
}

/** Polls until `count` records arrived or `timeoutMs` passed. */
export async function pollFor(consumer: Consumer, count: number, timeoutMs = 2000): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = []
  const deadline = Date.now() + timeoutMs
  while (out.length < count && Date.now() < deadline) out.push(...(await consumer.poll(50)))
  return out
}

/** Polls several consumers in turn, as separate processes would, until `done()` or timeout. */
export async function pollAll(consumers: Consumer[], done: () => boolean, timeoutMs = 3000): Promise<ConsumerRecord[][]> {
  const got: ConsumerRecord[][] = consumers.map(() => [])
  const deadline = Date.now() + timeoutMs
  while (!done() && Date.now() < deadline) {
    const batches = await Promise.all(consumers.map((c) => c.poll(20)))
    batches.forEach((b, i) => got[i]!.push(...b))
  }
  return got
}

export const str = (s: string): Buffer => Buffer.from(s)
