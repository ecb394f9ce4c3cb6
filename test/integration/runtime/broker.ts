import { createKafkaJsClient } from '../../../src/client/kafkajs/kafkajs-client.ts'
import type { KafkaClient } from '../../../src/client/port.ts'
import { partitionKey } from '../../../src/client/port.ts'
import { brokerProblem, HOW_TO_START, KAFKA_BROKERS } from '../../helpers/services.ts'

/**
 * The real broker for the runtime's integration tests (`npm run services:start`, or
 * KAFKA_BROKERS). Without one the tests are skipped with the reason, except under CI=true, where
 * the missing broker is a failure (test/helpers/services.ts decides).
 */
export const brokers: string[] = [...KAFKA_BROKERS]
// Only the broker matters here (not the schema registry that integrationServices() also wants).
const problem = process.env.KSTREAMS_INTEGRATION === '1' ? undefined : await brokerProblem()
const isCI = process.env.CI === 'true' || process.env.CI === '1'
/** For `test(name, { skip }, fn)`: the reason to skip, or false. */
export const skip: string | false = problem !== undefined && !isCI ? `integration: ${problem}; ${HOW_TO_START}` : false
/** Throws under CI=true when the broker is missing (called at the start of each test). */
export function requireServices(): void {
  if (problem !== undefined) throw new Error(`CI=true requires a Kafka broker: ${problem}`)
}

export const client: KafkaClient = createKafkaJsClient({ brokers, clientId: 'kstreams-runtime-it' })

export function unique(prefix: string): string {
  return `rt-${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`
}

export async function createTopics(specs: ReadonlyArray<{ name: string; partitions: number }>): Promise<void> {
  const admin = client.admin()
  try {
    await admin.createTopics(specs.map((s) => ({ name: s.name, numPartitions: s.partitions })))
  } finally {
    await admin.close()
  }
}

/** Deletes every topic whose name starts with `applicationId` or is listed. */
export async function deleteTopics(names: ReadonlyArray<string>): Promise<void> {
  const admin = client.admin()
  try {
    await admin.deleteTopics(names)
  } catch {
    // best effort: a test's topics are uniquely named anyway
  } finally {
    await admin.close()
  }
}

/** `count` records keyed `key-0` … `key-<keys-1>` round-robin, numbered from `first`. */
export function keyedRecords(topic: string, count: number, keys: number, first = 0) {
  return Array.from({ length: count }, (_, i) => ({
    topic,
    key: Buffer.from(`key-${(first + i) % keys}`),
    value: Buffer.from(`v${first + i}`),
    timestamp: Date.now(),
  }))
}

export function expectedCounts(total: number, keys: number): Map<string, number> {
  const out = new Map<string, number>()
  for (let i = 0; i < total; i++) out.set(`key-${i % keys}`, (out.get(`key-${i % keys}`) ?? 0) + 1)
  return out
}

/** Produces records in batches of `batch`, pausing `pauseMs` between batches (records flow). */
export async function produce(records: ReturnType<typeof keyedRecords>, options: { batch?: number; pauseMs?: number } = {}): Promise<void> {
  const producer = client.producer({})
  await producer.connect()
  try {
    const batch = options.batch ?? records.length
    for (let i = 0; i < records.length; i += batch) {
      await producer.send(records.slice(i, i + batch))
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs))
    }
  } finally {
    await producer.close()
  }
}

/** Records per key as the input topic holds them: the truth a count must match (a retried send may have duplicated a record). */
export async function inputCounts(topic: string): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  await readAll(topic, 'read_uncommitted', (key) => out.set(key, (out.get(key) ?? 0) + 1))
  return out
}

async function readAll(topic: string, isolationLevel: 'read_committed' | 'read_uncommitted', each: (key: string, value: Buffer) => void): Promise<void> {
  const admin = client.admin()
  const reader = client.partitionReader({ isolationLevel })
  try {
    const described = await admin.describeTopics([topic])
    const n = described.get(topic)?.numPartitions ?? 0
    const partitions = Array.from({ length: n }, (_, partition) => ({ topic, partition }))
    const ends = await admin.endOffsets(partitions)
    for (const tp of partitions) {
      for await (const batch of reader.read(tp, 0, ends.get(partitionKey(topic, tp.partition)) ?? 0)) {
        for (const r of batch) each(r.key!.toString(), r.value!)
      }
    }
  } finally {
    await reader.close()
    await admin.close()
  }
}

/** Every (key, count) the output holds, in offset order per key, as a read_committed or read_uncommitted reader sees it. */
export async function emittedCounts(topic: string, isolationLevel: 'read_committed' | 'read_uncommitted'): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>()
  await readAll(topic, isolationLevel, (key, value) => {
    const list = out.get(key) ?? []
    list.push(Number(value.readBigInt64BE()))
    out.set(key, list)
  })
  return out
}

export function latest(emitted: ReadonlyMap<string, number[]>): Map<string, number> {
  return new Map([...emitted].map(([k, v]) => [k, v[v.length - 1]!]))
}

export function sorted(map: ReadonlyMap<string, number>): Array<[string, number]> {
  return [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

/** Polls `read` until `done(value)` holds (a throwing `read` is retried), or throws with the last value after `timeoutMs`. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    let last: string
    try {
      const value = await read()
      if (done(value)) return value
      last = JSON.stringify(value instanceof Map ? [...value] : value)
    } catch (error) {
      last = `error: ${(error as Error).message}`
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last}`)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}
