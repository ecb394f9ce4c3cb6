/**
 * kstreams' public API, curated: what a user of Kafka Streams expects to find, and nothing
 * internal. Optional parts live behind subpaths (`kstreams/testing`).
 */

// DSL
export { StreamsBuilder } from './topology/dsl/streams-builder.ts'
export type { StreamsBuilderOptions } from './topology/dsl/streams-builder.ts'
export { KStream } from './topology/dsl/kstream.ts'
export { KTable } from './topology/dsl/ktable.ts'
export { GlobalKTable } from './topology/dsl/global-ktable.ts'
export { KGroupedStream } from './topology/dsl/kgrouped-stream.ts'
export { KGroupedTable } from './topology/dsl/kgrouped-table.ts'
export { BranchedKStream } from './topology/dsl/branched-kstream.ts'
export type { BranchKey, Branches } from './topology/dsl/branched-kstream.ts'
export type {
  BranchOptions,
  ConsumedOptions,
  GroupedOptions,
  NamedOptions,
  ProcessOptions,
  ProducedOptions,
  RepartitionOptions,
  SerdeOptions,
  SplitOptions,
  StoreOptions,
  StoreType,
  TableOptions,
} from './topology/dsl/options.ts'

export type {
  Aggregator,
  ForeachAction,
  Initializer,
  KeyValueLike,
  KeyValueMapper,
  Predicate,
  Reducer,
  ValueJoiner,
  ValueMapper,
} from './processors/functions.ts'
export type { Change } from './processors/change.ts'


// Windows, suppression, joins, cogroup
export { TimeWindows } from './topology/dsl/time-windows.ts'
export { SlidingWindows } from './topology/dsl/sliding-windows.ts'
export { SessionWindows } from './topology/dsl/session-windows.ts'
export { JoinWindows } from './topology/dsl/join-windows.ts'
export { TimeWindowedKStream } from './topology/dsl/time-windowed-kstream.ts'
export { SessionWindowedKStream } from './topology/dsl/session-windowed-kstream.ts'
export { CogroupedKStream } from './topology/dsl/cogrouped-kstream.ts'
export { SessionWindowedCogroupedKStream, TimeWindowedCogroupedKStream } from './topology/dsl/windowed-cogrouped-kstream.ts'
export { EmitStrategy } from './topology/dsl/emit-strategy.ts'
export type { OnWindowCloseOptions } from './topology/dsl/emit-strategy.ts'
export { BufferConfig, Suppressed } from './topology/dsl/suppressed.ts'
export type { EagerBufferConfig, StrictBufferConfig, UntilWindowClosesOptions } from './topology/dsl/suppressed.ts'
export { SuppressionBufferFullError } from './processors/ktable-suppress.ts'
export type { WindowedStoreOptions } from './topology/dsl/windowed-store.ts'
export type { JoinedOptions, StreamJoinedOptions, TableJoinedOptions } from './topology/dsl/join-options.ts'
export type { Merger } from './processors/kstream-session-window-aggregate.ts'

// Topology and Processor API
export { Topology } from './topology/topology.ts'
export type { SinkOptions, SourceOptions } from './topology/topology.ts'
export type { StreamPartitioner, TimestampExtractor, TopicNameExtractor } from './topology/nodes.ts'
export { Record } from './processors/record.ts'
export type { Headers, RecordMetadata } from './processors/record.ts'
export type {
  Cancellable,
  FixedKeyProcessor,
  FixedKeyProcessorContext,
  FixedKeyProcessorSupplier,
  Processor,
  ProcessorContext,
  ProcessorSupplier,
  PunctuationType,
  Punctuator,
} from './processors/processor.ts'

// Serdes
export { Serdes } from './serdes/serdes.ts'
export { SerializationError } from './serdes/serde.ts'
export type { Serde, SerdeType } from './serdes/serde.ts'
export type { JsonSerdeOptions } from './serdes/json.ts'
export type { StandardSchemaV1 } from './serdes/standard-schema.ts'
export type { AvroSerde, AvroSerdeOptions } from './serdes/avro.ts'
export type { SchemaRegistryClient, SchemaRegistryConfig, SchemaRegistryOption } from './serdes/schema-registry.ts'

// State stores
export { Stores } from './state/stores.ts'
export { WindowedSerdes } from './state/windowed-serdes.ts'
export type { Window, Windowed } from './state/windowed.ts'
export type {
  ReadOnlyWindowStore,
  TimestampedWindowStore,
  WindowBytesStoreSupplier,
  WindowStore,
  WindowStoreIterator,
} from './state/window-store.ts'
export type { ReadOnlySessionStore, SessionBytesStoreSupplier, SessionStore } from './state/session-store.ts'
export type {
  KeyValue,
  KeyValueIterator,
  KeyValueStore,
  ReadOnlyKeyValueStore,
  StateStore,
  StoreBuilder,
  TimestampedKeyValueStore,
  ValueAndTimestamp,
} from './state/store.ts'

// Runtime
export { DROPPED_RECORDS_CHANNEL } from './processors/dropped-records.ts'
export type { DroppedRecord } from './processors/dropped-records.ts'
export { KafkaStreams } from './runtime/kafka-streams.ts'
export type { KafkaStreamsEvents } from './runtime/kafka-streams.ts'
export type { StreamsState } from './runtime/streams-state.ts'
export type { HostInfo, KeyQueryMetadata, StreamsMetadata } from './runtime/streams-metadata.ts'
export type { TaskMetadata, ThreadMetadata } from './runtime/thread-metadata.ts'
export type { StateRestoreListener } from './runtime/changelog-restorer.ts'
export type { ProcessingGuarantee, StreamsConfig, UncaughtExceptionResponse } from './runtime/streams-config.ts'
export { DeserializationError, ProcessingError, ProductionError, RecordTooLargeError, StreamsError } from './runtime/task/errors.ts'
export { TaskTimeoutError } from './runtime/task-timeout.ts'
export type { ErrorHandler, ErrorHandlerContext, ErrorHandlerKind, ErrorHandlerResponse, ErrorPolicy } from './runtime/task/task-config.ts'
export { DEAD_LETTER_CHANNEL, DeadLetterHeaders, defaultDeadLetterTopic, readDeadLetterHeaders } from './runtime/task/dead-letter-queue.ts'
export type { DeadLetterInfo, DeadLetterMessage } from './runtime/task/dead-letter-queue.ts'

// Clients: the embedded broker (examples, tests) and Kafka through kafkajs
export { createEmbeddedKafka, EmbeddedKafka } from './client/embedded/embedded-kafka.ts'
export type { EmbeddedKafkaOptions } from './client/embedded/embedded-kafka.ts'
export { createKafkaJsClient } from './client/kafkajs/kafkajs-client.ts'
export type { KafkaJsClientConfig } from './client/kafkajs/kafkajs-client.ts'
export type { KafkaClient } from './client/port.ts'

// Logging
export type { Logger } from './instrumentation/logger.ts'

// Observability: metrics, business metrics, diagnostics channels, tracing (docs/observability.md)
export { MetricNames } from './instrumentation/metric-names.ts'
export type { MetricName } from './instrumentation/metric-names.ts'
export type { MetricsConfig } from './instrumentation/streams-metrics.ts'
export type { BusinessCounter, BusinessCounterOptions, BusinessHistogram, BusinessHistogramOptions, LabelValues, ProcessorMetrics } from './instrumentation/business-metrics.ts'
export { COMMIT_CHANNEL, PROCESS_CHANNEL, REBALANCE_CHANNEL, RESTORE_CHANNEL } from './instrumentation/channels.ts'
export type { CommitMessage, ProcessMessage, RebalanceMessage, RestoreMessage } from './instrumentation/channels.ts'
export type { TracingConfig } from './instrumentation/tracing-config.ts'
export { redactSecrets } from './instrumentation/redact.ts'
