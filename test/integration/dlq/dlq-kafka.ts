/**
 * What the dead-letter integration tests share: the real broker through the library's own kafkajs
 * adapter, topic reads at either isolation level, and the small app they run (in process or as
 * the child process of dlq-eos-app.ts).
 */
import { createKafkaJsClient } from '../../../src/client/kafkajs/kafkajs-client.ts'
import type { ConsumerRecord, KafkaClient } from '../../../src/client/port.ts'
import { partitionKey } from '../../../src/client/port.ts'
import type { Logger } from '../../../src/instrumentation/logger.ts'
import type { StreamsConfig } from '../../../src/runtime/streams-config.ts'
import { KAFKA_BROKERS } from '../../helpers/services.ts'

export const brokers = [...KAFKA_BROKERS]
export const client: KafkaClient = createKafkaJsClient({ brokers, clientId: 'kstreams-dlq-it' })

export function unique(prefix: string): string {
  return `dlq-${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`
}

export async function createTopics(names: ReadonlyArray<string>): Promise<void> {
  const admin = client.admin()
  try {
    await admin.createTopics(names.map((name) => ({ name, numPartitions: 1 })))
  } finally {
    await admin.close()
  }
}

export async function deleteTopics(names: ReadonlyArray<string>): Promise<void> {
  const admin = client.admin()
  await admin.deleteTopics(names).catch(() => {})
  await admin.close()
}

export async function produce(topic: string, records: ReadonlyArray<{ key: Buffer | string | null; value: Buffer | string | null; timestamp?: number }>): Promise<void> {
  const producer = client.producer({})
  await producer.connect()
  try {
    const buf = (v: Buffer | string | null) => (v === null ? null : Buffer.isBuffer(v) ? v : Buffer.from(v))
    await producer.send(records.map((r, i) => ({ topic, key: buf(r.key), value: buf(r.value), timestamp: r.timestamp ?? Date.now() + i })))
  } finally {
    await producer.close()
  }
}

/** Every record of a one-partition topic that a reader at `isolation` sees now. */
export async function readAll(topic: string, isolation: 'read_committed' | 'read_uncommitted' = 'read_committed'): Promise<ConsumerRecord[]> {
  const admin = client.admin()
  const reader = client.partitionReader({ isolationLevel: isolation })
  try {
    const tp = { topic, partition: 0 }
    const end = (await admin.endOffsets([tp])).get(partitionKey(topic, 0)) ?? 0
    const out: ConsumerRecord[] = []
    for await (const batch of reader.read(tp, 0, end)) out.push(...batch)
    return out
  } finally {
    await reader.close()
    await admin.close()
  }
}

export async function committedOffset(groupId: string, topic: string): Promise<number | undefined> {
  const admin = client.admin()
  try {
    return (await admin.committedOffsets(groupId, [{ topic, partition: 0 }])).get(partitionKey(topic, 0))
  } finally {
    await admin.close()
  }
}

export async function endOffset(topic: string): Promise<number> {
  const admin = client.admin()
  try {
    return (await admin.endOffsets([{ topic, partition: 0 }])).get(partitionKey(topic, 0)) ?? 0
  } finally {
    await admin.close()
  }
}

export async function waitFor<T>(what: string, check: () => Promise<T | false | undefined> | T | false | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

export const text = (records: ReadonlyArray<ConsumerRecord>): (string | null)[] => records.map((r) => r.value?.toString() ?? null)

export { acceptTopology } from '../../helpers/accept-topology.ts'

/** kafkajs settings that let a killed member's partitions move on in seconds. */
export function fastKafka(clientId: string): NonNullable<StreamsConfig['kafka']> {
  return {
    brokers,
    clientId,
    connectionTimeout: 3000,
    consumer: { sessionTimeout: 6000, rebalanceTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 },
    producer: { transactionTimeout: 10_000 },
  } as NonNullable<StreamsConfig['kafka']>
}

export function quietLogger(lines: string[] = []): Logger {
  const noop = () => {}
  const logger: Logger = {
    trace: noop,
    debug: noop,
    info: noop,
    warn: (_o: object, m?: string) => void lines.push(m ?? ''),
    error: (_o: object, m?: string) => void lines.push(m ?? ''),
    child: () => logger,
  }
  return logger
}

