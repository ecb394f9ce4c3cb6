import { Registry } from 'prom-client'
import type { ClientHeaders } from '../client/port.ts'
import { RecordTracing } from '../instrumentation/record-tracing.ts'
import { StreamsMetrics, type MetricsConfig } from '../instrumentation/streams-metrics.ts'
import type { Headers } from '../processors/record.ts'
import type { Instrumentation } from '../runtime/task/task-instrumentation.ts'

/**
 * The driver's metrics: a registry of its own unless one is passed (so a unit test reads exactly
 * what its topology counted, business metrics included), or none with `metrics: false`; and the
 * `kstreams:process` channel (OpenTelemetry spans are the runtime's: the driver never loads the API).
 */
export function driverInstrumentation(applicationId: string, metrics: MetricsConfig | undefined): Instrumentation {
  return {
    metrics: metrics === false ? undefined : new StreamsMetrics(applicationId, metrics?.registry ?? new Registry()),
    tracing: new RecordTracing(applicationId, undefined),
  }
}

/**
 * The driver is synchronous, so a record whose serde must first fetch something (an Avro writer
 * schema it has not seen) cannot wait for it: say so instead of failing it as undecodable.
 */
export function unprepared(topic: string, pending: Promise<void> | undefined): void {
  if (pending === undefined) return
  pending.catch(() => {}) // reported below; the fetch itself may still succeed for a later record
  throw new Error(
    `A record piped into topic "${topic}" needs a serde to fetch something first (e.g. an unknown Avro writer schema id), ` +
      'which the synchronous TopologyTestDriver cannot wait for: serialize inputs with the serde instance the topology reads with, ' +
      'or `await serde.prepare(topic, bytes)` before piping',
  )
}

export function toClientHeaders(headers: Headers): ClientHeaders {
  const out: { [key: string]: Buffer } = {}
  for (const name in headers) {
    const v = headers[name]!
    out[name] = typeof v === 'string' ? Buffer.from(v, 'utf8') : v
  }
  return out
}
