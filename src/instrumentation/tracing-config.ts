import type { OtelTracerProvider } from './open-telemetry.ts'

/**
 * `tracing` option of `KafkaStreams`: by default OpenTelemetry spans are made when
 * `@opentelemetry/api` is installed and an SDK registered a global tracer provider; pass
 * `{ tracerProvider }` to use one explicitly, or `false` never to load the API.
 */
export type TracingConfig = false | { readonly tracerProvider?: OtelTracerProvider }
