/**
 * `kstreams/http`: the opt-in HTTP endpoint of a KafkaStreams instance — `/metrics`, `/livez`,
 * `/readyz`, `/topology`, interactive queries routed to the owning instance, and a live web view
 * at `/`. See docs/http.md.
 */
export { startStreamsHttpServer, StreamsHttpServer } from './server.ts'
export type { AppRequest, StreamsHttpServerOptions } from './server.ts'
export { HttpError } from './http-error.ts'
export { integerKeys, storeKey, stringKeys } from './store-keys.ts'
export type { StoreKeyFormat } from './store-keys.ts'
export type { MetricJson, MetricsRegistry, MetricsSnapshot } from './metrics-snapshot.ts'
export type { StreamsStatus } from './status.ts'
export type { NodeGraph, StoreGraph, SubtopologyGraph, TopologyGraph } from './topology-graph.ts'
export { FORWARDED_HEADER, SERVED_BY_HEADER } from './interactive-queries.ts'
