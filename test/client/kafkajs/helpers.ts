import { createKafkaJsClient } from '../../../src/client/kafkajs/kafkajs-client.ts'
import type { KafkaJsClientConfig } from '../../../src/client/kafkajs/kafkajs-client.ts'
import type { KafkaClient, TopicSpec } from '../../../src/client/port.ts'
import type { Logger } from '../../../src/instrumentation/logger.ts'
import { brokerProblem, HOW_TO_START, KAFKA_BROKERS } from '../../helpers/services.ts'

/**
 * These tests run against a real broker (KAFKA_BROKERS, default 127.0.0.1:9092; `npm test`
 * starts one when it can). Without one each test is skipped with the reason, except under
 * CI=true, where the suites' `before` hooks fail. Only the broker is probed: the schema registry
 * the other integration tests need plays no part here.
 */
export const brokers: string[] = [...KAFKA_BROKERS]
export const problem: string | undefined = process.env.KSTREAMS_INTEGRATION === '1' ? undefined : await brokerProblem()
const isCI = process.env.CI === 'true' || process.env.CI === '1'
/** For each test's `{ skip }`: the one-line reason, or false to run. */
export const skip: string | false = problem !== undefined && !isCI ? `${problem}; ${HOW_TO_START}` : false

/** For `before` hooks (node runs them even when every test is skipped): false = set nothing up. */
export function ready(): boolean {
  if (skip !== false) return false
  if (problem !== undefined) throw new Error(`CI=true requires a Kafka broker: ${problem}`)
  return true
}

/** KSTREAMS_TEST_LOG=warn|debug prints the adapter's and kafkajs's log lines to stderr. */
function stderrLogger(level: string | undefined, bindings: object = {}): Logger | undefined {
  if (level !== 'warn' && level !== 'debug') return undefined
  const start = Date.now()
  const line = (lvl: string) => (obj: object, msg?: string) =>
    process.stderr.write(`${Date.now() - start}ms ${lvl} ${msg ?? ''} ${JSON.stringify({ ...bindings, ...obj })}\n`)
  const quiet = (): void => {}
  return {
    trace: quiet,
    debug: level === 'debug' ? line('debug') : quiet,
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    child: (more) => stderrLogger(level, { ...bindings, ...more })!,
  }
}

export interface TestClient extends KafkaClient {
  /** Closes every consumer, producer, admin and reader this client made (a failed test leaves some open). */
  closeAll(): Promise<void>
}

/** Group timings kept short but realistic, so joins and rebalances finish in a few seconds. */
export function testClient(overrides: Partial<KafkaJsClientConfig> = {}): TestClient {
  const client = createKafkaJsClient({
    brokers,
    clientId: 'kstreams-kafkajs-test',
    consumer: { sessionTimeout: 6000, rebalanceTimeout: 10_000, heartbeatInterval: 300, maxWaitTimeInMs: 100 },
    ...(process.env.KSTREAMS_TEST_LOG ? { logger: stderrLogger(process.env.KSTREAMS_TEST_LOG)! } : {}),
    ...overrides,
  })
  const open: Array<{ close(): Promise<void> }> = []
  const track = <T extends { close(): Promise<void> }>(made: T): T => {
    open.push(made)
    return made
  }
  return {
    admin: () => track(client.admin()),
    consumer: (config) => track(client.consumer(config)),
    producer: (config) => track(client.producer(config)),
    partitionReader: (config) => track(client.partitionReader(config)),
    partitionFor: (key, n) => client.partitionFor(key, n),
    closeAll: async () => {
      await Promise.allSettled(open.splice(0).map((c) => c.close()))
    },
  }
}

/** A name no other test (or earlier run) uses. */
export function unique(prefix: string): string {
  return `kstreams-${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
}

/** Creates topics for one test and returns a function that deletes them. */
export async function withTopics(client: KafkaClient, specs: TopicSpec[]): Promise<() => Promise<void>> {
  const admin = client.admin()
  await admin.createTopics(specs)
  return async () => {
    await admin.deleteTopics(specs.map((s) => s.name)).catch(() => undefined)
    await admin.close()
  }
}

export const str = (s: string): Buffer => Buffer.from(s)
export const values = (records: ReadonlyArray<{ value: Buffer | null }>): Array<string | null> => records.map((r) => r.value?.toString() ?? null)
