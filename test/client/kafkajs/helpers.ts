import { connect } from 'node:net'
import { createKafkaJsClient } from '../../../src/client/kafkajs/kafkajs-client.ts'
import type { KafkaJsClientConfig } from '../../../src/client/kafkajs/kafkajs-client.ts'
import type { KafkaClient, TopicSpec } from '../../../src/client/port.ts'

/**
 * These tests run against a real broker (`npm run services:start`, or KAFKA_BROKERS). They are
 * skipped when none answers, except under CI=true, where a missing broker is a failure.
 */
export const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim())

function unreachable(address: string): Promise<string | undefined> {
  const at = address.lastIndexOf(':')
  const host = address.slice(0, at)
  const port = Number(address.slice(at + 1))
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 })
    socket.once('connect', () => {
      socket.destroy()
      resolve(undefined)
    })
    socket.once('timeout', () => {
      socket.destroy()
      resolve('connection timed out')
    })
    socket.once('error', (err) => resolve(err.message))
  })
}

export const problem = await unreachable(brokers[0]!)
export const skip = problem !== undefined && process.env.CI !== 'true' ? `no Kafka broker at ${brokers[0]} (${problem})` : false

/** For a `before` hook: under CI=true a missing broker fails the suite instead of skipping it. */
export function requireBroker(): void {
  if (problem !== undefined) throw new Error(`no Kafka broker at ${brokers[0]} (${problem}); CI=true requires one`)
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
