/**
 * W3C Trace Context in Kafka record headers (`traceparent`, `tracestate`), as OpenTelemetry's
 * Kafka instrumentations write them. Records keep their headers from source to sink (as in Kafka
 * Streams), so a trace context travels from input to output — across repartition topics too —
 * without any of this; these helpers are for reading and rewriting it when a span is started.
 */
export const TRACEPARENT = 'traceparent'
export const TRACESTATE = 'tracestate'

export interface TraceParent {
  readonly traceId: string
  readonly spanId: string
  readonly traceFlags: number
}

const PATTERN = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/

/** Parses a `traceparent` header value (bytes or string); undefined when absent or malformed. */
export function parseTraceparent(value: Buffer | string | undefined): TraceParent | undefined {
  if (value === undefined) return undefined
  const text = typeof value === 'string' ? value : value.toString('latin1')
  const m = PATTERN.exec(text.trim())
  if (m === null || m[1] === 'ff') return undefined
  const [, , traceId, spanId, flags] = m
  if (/^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return undefined
  return { traceId: traceId!, spanId: spanId!, traceFlags: Number.parseInt(flags!, 16) }
}

export function formatTraceparent(context: TraceParent): string {
  return `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 0xff).toString(16).padStart(2, '0')}`
}
