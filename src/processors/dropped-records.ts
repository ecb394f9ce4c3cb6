import { channel } from 'node:diagnostics_channel'
import type { ProcessorContext } from './processor.ts'

/**
 * Records a DSL operator skips on purpose (a join input with a null key or value, a record too
 * late for its window), published on the `kstreams:dropped-records` diagnostics channel — Kafka
 * Streams' `dropped-records` task sensor. Publishing costs nothing while nobody subscribes; a
 * metrics layer or a test counts the messages.
 */
export interface DroppedRecord {
  readonly applicationId: string
  readonly taskId: string
  /** The processor node that dropped the record. */
  readonly processor: string
  readonly reason: string
  /** Where the record came from; absent for records created by a punctuator. */
  readonly topic?: string
  readonly partition?: number
  readonly offset?: number
}

export const DROPPED_RECORDS_CHANNEL = 'kstreams:dropped-records'

const droppedRecords = channel(DROPPED_RECORDS_CHANNEL)

export function recordDropped(context: ProcessorContext<any, any>, processor: string, reason: string): void {
  if (!droppedRecords.hasSubscribers) return
  const metadata = context.recordMetadata()
  const message: DroppedRecord = {
    applicationId: context.applicationId,
    taskId: context.taskId,
    processor,
    reason,
    ...(metadata !== undefined && { topic: metadata.topic, partition: metadata.partition, offset: metadata.offset }),
  }
  droppedRecords.publish(message)
}
