/**
 * A small kstreams app run as its own process by the multi-process runtime tests
 * (`node app-process.ts`): `stream(input).groupByKey().count()` → output, on the real broker.
 *
 * Config comes as JSON in the `KSTREAMS_APP` environment variable (see `AppConfig`). It reports on
 * stdout, one JSON object per line: `state` changes, `restore-start` / `restore-end`, `tasks`
 * (active and standby task ids, on every RUNNING and on request), `started`, `start-failed`,
 * `error`, `closed`. Commands arrive on stdin, one per line: `tasks`, `metadata <key>`, `close`.
 * It never calls `process.exit` while the app runs: `close` closes the app and lets the event loop end.
 */
import { writeSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { KafkaStreams, testingHooks } from '../../../src/runtime/kafka-streams.ts'
import type { ProcessingGuarantee } from '../../../src/runtime/streams-config.ts'
import type { KafkaJsSasl } from '../../../src/client/kafkajs/kafkajs-client.ts'
import { Serdes } from '../../../src/serdes/serdes.ts'
import { StreamsBuilder } from '../../../src/topology/dsl/streams-builder.ts'
import { silentLogger } from '../../../src/instrumentation/logger.ts'
import type { Logger } from '../../../src/instrumentation/logger.ts'

export interface AppConfig {
  readonly applicationId: string
  readonly brokers: ReadonlyArray<string>
  readonly input: string
  readonly output: string
  readonly stateDir: string
  readonly processingGuarantee?: ProcessingGuarantee
  readonly commitIntervalMs?: number
  readonly numStandbyReplicas?: number
  readonly applicationServer?: string
  readonly storeType?: 'memory' | 'rocksdb'
  readonly sessionTimeout?: number
  readonly sasl?: KafkaJsSasl
  /** Milliseconds of busy work per record, to make records flow slowly enough to kill mid-stream. */
  readonly slowMs?: number
  /** Under exactly-once: `kill -9` itself after commit step 2 (output sent, transaction open) once this many records were processed. */
  readonly crashInTransactionAfter?: number
  /** Busy milliseconds per restored batch: a restore that blocks in steps, like a slow disk. */
  readonly restoreDelayMs?: number
  /** Bytes per restore fetch (small = many batches). */
  readonly readerMaxBytes?: number
  readonly maxPollRecords?: number
  /** Print the instance's warnings and errors on stderr. */
  readonly verbose?: boolean
}

const config = JSON.parse(process.env.KSTREAMS_APP ?? '{}') as AppConfig
const emit = (event: object): void => {
  // Synchronous, so the last line before a `kill -9` is not lost in a pipe buffer.
  writeSync(1, `${JSON.stringify({ pid: process.pid, at: Date.now(), ...event })}\n`)
}
const errorOf = (error: unknown) => ({ name: (error as Error)?.name, message: (error as Error)?.message ?? String(error) })

function stderrLogger(bindings: object = {}): Logger {
  const line = (level: string) => (obj: object, msg?: string) => {
    const err = (obj as { err?: unknown }).err
    process.stderr.write(`[${process.pid} ${level}] ${msg ?? ''} ${JSON.stringify({ ...bindings, ...obj, ...(err ? { err: errorOf(err) } : {}) })}\n`)
  }
  const noop = () => {}
  return { trace: noop, debug: noop, info: noop, warn: line('warn'), error: line('error'), child: (b) => stderrLogger({ ...bindings, ...b }) }
}

const busy = (ms: number): void => {
  const until = Date.now() + ms
  while (Date.now() < until);
}
const slowMs = config.slowMs ?? 0
let processed = 0
const builder = new StreamsBuilder()
builder
  .stream<string, string>(config.input, { key: Serdes.string(), value: Serdes.string() })
  .peek(() => {
    processed++
    if (slowMs > 0) busy(slowMs)
  })
  .groupByKey()
  .count({ storeName: 'counts', storeType: config.storeType ?? 'rocksdb' })
  .toStream()
  .to(config.output, { key: Serdes.string(), value: Serdes.long() })

const streams = new KafkaStreams(builder.build(), {
  applicationId: config.applicationId,
  kafka: {
    brokers: config.brokers,
    clientId: `app-${process.pid}`,
    ...(config.sasl ? { sasl: config.sasl } : {}),
    connectionTimeout: 3000,
    consumer: { sessionTimeout: config.sessionTimeout ?? 6000, rebalanceTimeout: 20_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 },
    producer: { transactionTimeout: 10_000 },
    ...(config.readerMaxBytes ? { reader: { maxBytes: config.readerMaxBytes } } : {}),
  },
  ...(config.maxPollRecords ? { maxPollRecords: config.maxPollRecords } : {}),
  stateDir: config.stateDir,
  processingGuarantee: config.processingGuarantee ?? 'at_least_once',
  commitIntervalMs: config.commitIntervalMs ?? 200,
  numStandbyReplicas: config.numStandbyReplicas ?? 0,
  ...(config.applicationServer ? { applicationServer: config.applicationServer } : {}),
  pollMs: 50,
  logger: config.verbose ? stderrLogger() : silentLogger,
  restoreListener: {
    onRestoreStart: (tp, store, start, end) => emit({ type: 'restore-start', partition: tp.partition, store, start, end }),
    onBatchRestored: () => {
      if (config.restoreDelayMs) busy(config.restoreDelayMs)
    },
    onRestoreEnd: (tp, store, total) => emit({ type: 'restore-end', partition: tp.partition, store, total }),
  },
  [testingHooks]: {
    afterCommitStep: (step: number) => {
      const limit = config.crashInTransactionAfter
      if (limit !== undefined && step === 2 && processed >= limit) {
        emit({ type: 'crashing', processed })
        process.kill(process.pid, 'SIGKILL')
      }
    },
  },
} as ConstructorParameters<typeof KafkaStreams>[1])

const tasks = () => emit({ type: 'tasks', active: streams.activeTasks(), standby: streams.standbyTasks() })
streams.on('stateChange', (state, previous) => {
  emit({ type: 'state', state, previous })
  if (state === 'RUNNING') tasks()
})
streams.on('error', (error) => emit({ type: 'error', ...errorOf(error) }))

let closing = false
async function close(): Promise<void> {
  if (closing) return
  closing = true
  const ok = await streams.close({ timeoutMs: 20_000 })
  emit({ type: 'closed', ok })
  input.close()
}

const input = createInterface({ input: process.stdin })
input.on('line', (line) => {
  const [command, arg] = line.trim().split(/\s+/, 2)
  if (command === 'tasks') tasks()
  else if (command === 'close') void close()
  else if (command === 'metadata' && arg !== undefined) {
    const m = streams.queryMetadataForKey('counts', arg, Serdes.string())
    emit({ type: 'metadata', key: arg, active: m?.activeHost ?? null, standby: m?.standbyHosts ?? [], partition: m?.partition ?? null, all: streams.allMetadata() })
  }
})
// The parent went away: close like a normal shutdown.
input.on('close', () => void close())

try {
  await streams.start()
  emit({ type: 'started' })
} catch (error) {
  emit({ type: 'start-failed', ...errorOf(error) })
  await streams.close({ timeoutMs: 5000 })
  input.close()
}
