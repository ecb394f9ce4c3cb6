import { channel, tracingChannel } from 'node:diagnostics_channel'

/**
 * The diagnostics channels kstreams publishes on (`node:diagnostics_channel`). Publishing is
 * guarded by `hasSubscribers`, so a channel nobody listens to costs one property read. Process,
 * commit and restore are tracing channels (start/end/error, plus asyncStart/asyncEnd for the
 * asynchronous ones): subscribe with `diagnostics_channel.tracingChannel(PROCESS_CHANNEL).subscribe({ start, end, error })`;
 * the others are plain channels: `diagnostics_channel.subscribe(REBALANCE_CHANNEL, fn)`.
 */
export const PROCESS_CHANNEL = 'kstreams:process'
export const COMMIT_CHANNEL = 'kstreams:commit'
export const REBALANCE_CHANNEL = 'kstreams:rebalance'
export const RESTORE_CHANNEL = 'kstreams:restore'
/** Published by src/processors/dropped-records.ts (the name is repeated there: processors/ must not import runtime code). */
export const DROPPED_RECORDS_CHANNEL = 'kstreams:dropped-records'
/** One message per dead-lettered record (engineer A's DLQ): `DeadLetterMessage`. */
export const DEAD_LETTER_CHANNEL = 'kstreams:dead-letter'

/** The context of `kstreams:process`: one record, from its source node through its whole sub-topology. */
export interface ProcessMessage {
  readonly applicationId: string
  readonly taskId: string
  readonly node: string
  readonly topic: string | undefined
  readonly partition: number
  readonly offset: number
  readonly timestamp: number
  error?: unknown
}

/** The context of `kstreams:commit`: the tasks committed together. */
export interface CommitMessage {
  readonly applicationId: string
  readonly exactlyOnce: boolean
  readonly taskIds: ReadonlyArray<string>
  /** Tasks committed, set at the end. */
  committed?: number
  error?: unknown
}

/** `kstreams:rebalance`: partitions revoked (a rebalance starts) or tasks assigned (it ends). */
export interface RebalanceMessage {
  readonly applicationId: string
  readonly phase: 'revoked' | 'assigned'
  readonly activeTasks?: ReadonlyArray<string>
  readonly standbyTasks?: ReadonlyArray<string>
}

/** `kstreams:restore`: one changelog partition of one store; published at start, per batch and at end. */
export interface RestoreMessage {
  readonly applicationId: string
  readonly phase: 'start' | 'batch' | 'end'
  readonly store: string
  readonly topic: string
  readonly partition: number
  /** start: offsets to restore; batch: records in the batch; end: records restored in total. */
  readonly records: number
}

/** `kstreams:dead-letter` (published by the DLQ): one record sent to a dead-letter topic. */
export interface DeadLetterMessage {
  readonly applicationId: string
  readonly taskId: string
  readonly handler: 'deserialization' | 'processing' | 'production'
  readonly sourceTopic: string | undefined
  readonly dlqTopic: string
  readonly node: string
}

export const processChannel = tracingChannel<unknown, ProcessMessage>(PROCESS_CHANNEL)
export const commitChannel = tracingChannel<unknown, CommitMessage>(COMMIT_CHANNEL)
export const rebalanceChannel = channel(REBALANCE_CHANNEL)
export const restoreChannel = channel(RESTORE_CHANNEL)
