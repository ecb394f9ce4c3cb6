import { recordDropped } from './dropped-records.ts'
import type { ProcessorContext } from './processor.ts'

/** What the task's context offers for records dropped on purpose (see the runtime's ProcessorContextImpl). */
interface DroppedRecordReporter {
  reportDroppedRecord(reason: string, details: { readonly [key: string]: unknown }): void
}

/**
 * Reports a record a windowed operator drops because its window has closed (Kafka's "Skipping
 * record for expired window" warning and `dropped-records` sensor): the task counts it and logs
 * topic, partition, offset, the window, the expiration and stream time. A context without a
 * reporter (a unit-test fake) gets a console warning: a dropped record is never silent.
 */
export function reportExpiredWindow(
  context: ProcessorContext<any, any>,
  details: { readonly timestamp: number; readonly window: string; readonly expiration: number; readonly streamTime: number },
): void {
  reportDroppedRecord(context, 'Skipping record for expired window', details)
}

/**
 * Counts and logs any record an operator drops on purpose (null key, expired window, ...), and
 * publishes it on the `kstreams:dropped-records` diagnostics channel like the join operators do.
 */
export function reportDroppedRecord(context: ProcessorContext<any, any>, reason: string, details: { readonly [key: string]: unknown }): void {
  // The task's context tracks the running node (see TimestampedTupleForwarder); fakes may not.
  recordDropped(context, (context as unknown as { currentNode?: { name?: string } }).currentNode?.name ?? 'unknown', reason)
  const reporter = context as unknown as Partial<DroppedRecordReporter>
  if (typeof reporter.reportDroppedRecord === 'function') {
    reporter.reportDroppedRecord(reason, details)
    return
  }
  console.warn(`[kstreams] ${reason}`, { taskId: context.taskId, ...context.recordMetadata(), ...details })
}

/** `[start,end)` for time windows, `[start,end]` for sliding and session windows, as Kafka logs them. */
export function windowString(start: number, end: number, endInclusive: boolean): string {
  return `[${start},${end}${endInclusive ? ']' : ')'}`
}
