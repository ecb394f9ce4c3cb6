import { processChannel, type ProcessMessage } from './channels.ts'
import { SPAN_KIND_CONSUMER, SPAN_STATUS_ERROR, type OtelSpan, type OtelTracer, type OtelTracerSource } from './open-telemetry.ts'
import { formatTraceparent, parseTraceparent, TRACEPARENT } from './trace-context.ts'

export type TracedHeaders = { readonly [name: string]: Buffer | string }

/** Where the record being traced came from. */
export interface TracedRecord {
  readonly taskId: string
  readonly node: string
  readonly topic: string | undefined
  readonly partition: number
  readonly offset: number
  readonly timestamp: number
  readonly headers: TracedHeaders
}

/**
 * Traces a record through its sub-topology: the `kstreams:process` tracing channel
 * (start/end/error around the whole synchronous forward) and, when an OpenTelemetry SDK is
 * registered, one CONSUMER span per record after the messaging semantic conventions for Kafka —
 * child of the record's incoming `traceparent`, and the record's `traceparent` replaced by the
 * span's, so the records it leads to carry the span's context. Only called while `active`.
 */
export class RecordTracing {
  readonly #applicationId: string
  readonly #otel: OtelTracerSource | undefined
  #tracer: OtelTracer | undefined

  constructor(applicationId: string, otel: OtelTracerSource | undefined) {
    this.#applicationId = applicationId
    this.#otel = otel
    this.#tracer = otel?.tracer()
  }

  /** Read per record: a channel check and a field, so tracing nobody asked for costs nothing. */
  get active(): boolean {
    return processChannel.hasSubscribers || this.#tracer !== undefined
  }

  /**
   * Looks the OpenTelemetry tracer up again (an SDK may have been registered since): once per
   * stream-thread loop, not per record.
   */
  refresh(): void {
    if (this.#otel !== undefined) this.#tracer = this.#otel.tracer()
  }

  trace(record: TracedRecord, forward: (headers: TracedHeaders) => void): void {
    let span: OtelSpan | undefined
    let headers = record.headers
    const tracer = this.#tracer
    if (tracer !== undefined) {
      const incoming = parseTraceparent(record.headers[TRACEPARENT])
      const parent = incoming && { ...incoming, isRemote: true }
      span = tracer.startSpan(
        `process ${record.topic ?? ''}`.trim(),
        {
          kind: SPAN_KIND_CONSUMER,
          attributes: {
            'messaging.system': 'kafka',
            'messaging.operation.type': 'process',
            'messaging.operation.name': 'process',
            'messaging.consumer.group.name': this.#applicationId,
            ...(record.topic !== undefined && {
              'messaging.destination.name': record.topic,
              'messaging.destination.partition.id': String(record.partition),
              'messaging.kafka.offset': record.offset,
            }),
            'kstreams.task.id': record.taskId,
            'kstreams.node': record.node,
          },
          ...(parent && { links: [{ context: parent }] }),
        },
        this.#otel!.parentContext(parent),
      )
      headers = { ...record.headers, [TRACEPARENT]: formatTraceparent(span.spanContext()) }
    }
    try {
      if (processChannel.hasSubscribers) {
        const message: ProcessMessage = {
          applicationId: this.#applicationId,
          taskId: record.taskId,
          node: record.node,
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          timestamp: record.timestamp,
        }
        processChannel.traceSync(forward, message, undefined, headers)
      } else {
        forward(headers)
      }
    } catch (error) {
      span?.recordException(error)
      span?.setStatus({ code: SPAN_STATUS_ERROR, message: error instanceof Error ? error.message : String(error) })
      throw error
    } finally {
      span?.end()
    }
  }
}
