/**
 * The few parts of `@opentelemetry/api` kstreams uses, typed structurally: the package is an
 * optional peer dependency, so nothing here may name its types. `loadOpenTelemetry()` imports it
 * dynamically and answers undefined, quietly, when it is not installed.
 */
export interface OtelSpanContext {
  readonly traceId: string
  readonly spanId: string
  readonly traceFlags: number
  readonly isRemote?: boolean
}

export interface OtelSpan {
  spanContext(): OtelSpanContext
  setAttribute(key: string, value: string | number | boolean): unknown
  recordException(exception: unknown): void
  setStatus(status: { code: number; message?: string }): unknown
  end(): void
}

export interface OtelTracer {
  startSpan(name: string, options: object, context: unknown): OtelSpan
}

export interface OtelTracerProvider {
  getTracer(name: string, version?: string): OtelTracer
}

interface OtelApi {
  readonly trace: {
    getTracerProvider(): OtelTracerProvider & { getDelegate?(): unknown; getDelegateTracer?(name: string): OtelTracer | undefined }
    setSpanContext(context: unknown, spanContext: OtelSpanContext): unknown
  }
  readonly ROOT_CONTEXT: unknown
}

/** OTel's `SpanKind.CONSUMER` and `SpanStatusCode.ERROR` (enum values, fixed by the specification). */
export const SPAN_KIND_CONSUMER = 3
export const SPAN_STATUS_ERROR = 2

let loading: Promise<OtelApi | undefined> | undefined

export function loadOpenTelemetry(): Promise<OtelApi | undefined> {
  // A variable specifier keeps bundlers and type checkers from requiring the optional package.
  const specifier = '@opentelemetry/api'
  loading ??= import(specifier).then(
    (m: { default?: OtelApi } & Partial<OtelApi>) => (m.trace !== undefined ? (m as OtelApi) : m.default),
    () => undefined,
  )
  return loading
}

/**
 * Finds the tracer to use: the one of an explicitly passed provider, or of the globally
 * registered one. With only the API installed and no SDK registered, there is none, and records
 * are processed without spans (OTel's no-op spans would cost per record for nothing).
 */
export class OtelTracerSource {
  readonly api: OtelApi
  readonly #explicit: OtelTracer | undefined
  #delegate: unknown = undefined
  #tracer: OtelTracer | undefined = undefined

  constructor(api: OtelApi, provider?: OtelTracerProvider) {
    this.api = api
    this.#explicit = provider?.getTracer('kstreams')
  }

  tracer(): OtelTracer | undefined {
    if (this.#explicit !== undefined) return this.#explicit
    const provider = this.api.trace.getTracerProvider()
    if (provider.getDelegate === undefined || provider.getDelegateTracer === undefined) return provider.getTracer('kstreams')
    const delegate = provider.getDelegate()
    if (delegate !== this.#delegate) {
      this.#delegate = delegate
      this.#tracer = provider.getDelegateTracer('kstreams')
    }
    return this.#tracer
  }

  parentContext(parent: OtelSpanContext | undefined): unknown {
    return parent === undefined ? this.api.ROOT_CONTEXT : this.api.trace.setSpanContext(this.api.ROOT_CONTEXT, parent)
  }
}
