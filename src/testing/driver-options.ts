import type { MetricsConfig } from '../instrumentation/streams-metrics.ts'
import type { RecordCollector } from '../runtime/task/record-collector.ts'
import type { ErrorPolicy, TaskConfig, TaskLogger, Time } from '../runtime/task/task-config.ts'
import type { Serde } from '../serdes/serde.ts'
import { inMemorySubstitute } from './in-memory-substitute.ts'

/** How a `TopologyTestDriver` is set up, and what that makes of its tasks' configuration. */
export interface TopologyTestDriverOptions {
  /** Default `topology-test-driver`; internal topics are named after it. */
  readonly applicationId?: string
  /** The mock wall clock's start, default 0 (deterministic); also input topics' default start time. */
  readonly initialWallClockTimeMs?: number
  /** Where persistent stores live; default a fresh temporary directory removed by `close()`. */
  readonly stateDir?: string
  readonly deserializationExceptionHandler?: ErrorPolicy
  readonly processingExceptionHandler?: ErrorPolicy
  /** Dead letters appear as output of `<applicationId>-dlq` (or the handler's topic): read them with `createOutputTopic`. */
  readonly productionExceptionHandler?: ErrorPolicy
  readonly maxRequestSize?: number
  readonly defaultKeySerde?: Serde<any>
  readonly defaultValueSerde?: Serde<any>
  readonly logger?: TaskLogger
  /** Metrics on a registry of the driver's own by default (`metricsRegistry`); `{ registry }` or `false` (off). */
  readonly metrics?: MetricsConfig
}

/**
 * The driver's tasks' configuration: the user's handlers, serdes and size limit, the driver's mock
 * clock and collector, and persistent stores swapped for in-memory ones unless `create()` keeps them.
 */
export function driverTaskConfig(
  options: TopologyTestDriverOptions,
  driver: { readonly applicationId: string; readonly collector: RecordCollector; readonly stateDir: string; readonly time: Time; readonly inMemoryStores: boolean },
): TaskConfig {
  return {
    applicationId: driver.applicationId,
    collector: driver.collector,
    stateDir: driver.stateDir,
    time: driver.time,
    // Tests read stores after a failure, so a failed record's writes are always taken back.
    undoPartialWrites: true,
    ...(driver.inMemoryStores && { storeBuilderOverride: inMemorySubstitute }),
    ...(options.logger && { logger: options.logger }),
    ...(options.deserializationExceptionHandler && { deserializationExceptionHandler: options.deserializationExceptionHandler }),
    ...(options.processingExceptionHandler && { processingExceptionHandler: options.processingExceptionHandler }),
    ...(options.productionExceptionHandler && { productionExceptionHandler: options.productionExceptionHandler }),
    ...(options.maxRequestSize !== undefined && { maxRequestSize: options.maxRequestSize }),
    ...(options.defaultKeySerde && { defaultKeySerde: options.defaultKeySerde }),
    ...(options.defaultValueSerde && { defaultValueSerde: options.defaultValueSerde }),
  }
}
