import type { EachBatchPayload } from 'kafkajs'
import type { OffsetRange } from '../port.ts'
import { partitionKey } from '../port.ts'
import { isRebalancing, protocolErrorType } from './errors.ts'
import type { FetchBuffer } from './fetch-buffer.ts'
import { BufferedBatch } from './fetch-buffer.ts'
import type { RebalanceSteps } from './rebalance-steps.ts'
import { toConsumerRecord } from './records.ts'

export interface HandoffContext {
  readonly buffer: FetchBuffer
  readonly steps: RebalanceSteps
  readonly paused: { has(key: string): boolean }
  readonly heartbeatInterval: number
  /** False while the consumer closes or has left the group. */
  accepting(): boolean
  /** Told of the control records kafkajs resolves along with a batch's last record. */
  passedOver?(key: string, offsets: OffsetRange): void
}

/**
 * kafkajs's `eachBatch` callback: it puts the batch in the buffer and returns only once
 * `poll()` has taken it (or let it go), so kafkajs fetches no further ahead than the runtime
 * consumes; then it resolves exactly the offsets the runtime took. kafkajs heartbeats only
 * between batches, so while it waits the callback heartbeats itself.
 */
export function batchHandoff(ctx: HandoffContext): (payload: EachBatchPayload) => Promise<void> {
  return async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
    const key = partitionKey(batch.topic, batch.partition)
    if (!ctx.steps.owns || !ctx.accepting() || ctx.paused.has(key) || isStale() || batch.messages.length === 0) return
    const records = batch.messages.map((m) => toConsumerRecord(batch.topic, batch.partition, m))
    const entry = new BufferedBatch(batch.topic, batch.partition, records)
    ctx.buffer.add(entry)
    try {
      while ((await settledWithin(entry.settled, ctx.heartbeatInterval)) === undefined) {
        if (!isRunning()) break
        try {
          await heartbeat()
        } catch (error) {
          // The records of the old assignment must not be handed out any more; kafkajs rejoins
          // once this throws, and the join gate holds it until poll() has run the revoke.
          if (isRebalancing(error) || protocolErrorType(error) === 'UNKNOWN_MEMBER_ID') ctx.steps.revoke()
          throw error
        }
      }
    } finally {
      ctx.buffer.release((b) => b === entry)
      const last = entry.lastTaken()
      if (last) {
        // Resolving the last record, kafkajs also resolves the batch's trailing control records.
        resolveOffset(String(last.offset))
        const end = last === records[records.length - 1] ? Number(batch.lastOffset()) + 1 : 0
        if (end > last.offset + 1) ctx.passedOver?.(key, { from: last.offset + 1, to: end })
      }
    }
  }
}

/** The promise's value if it settles within `ms`, else undefined. */
export async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}
