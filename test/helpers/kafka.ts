/**
 * Small kafkajs fixtures for the integration tests: one quiet client per test, names no other
 * run can collide with, topics and groups that are cleaned up, and polling waits with a deadline
 * (no fixed sleeps: the broker here may be a cold JVM on a loaded 2-core machine).
 */
import { randomBytes } from 'node:crypto'
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import type { Admin, ITopicConfig, Producer } from 'kafkajs'
import { KAFKA_BROKERS } from './services.ts'

/** `kst-<what>-<time>-<random>`: unique across concurrent test files and repeated runs. */
export function uniqueName(what: string): string {
  return `kst-${what}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`
}

export function testKafka(clientId = uniqueName('client')): Kafka {
  return new Kafka({
    clientId,
    brokers: [...KAFKA_BROKERS],
    // kafkajs logs every join/leave at INFO; failures still surface as rejected promises.
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 100 },
  })
}

/**
 * Idempotent, with the Java-compatible partitioner. Idempotence matters for exact counts: a
 * plain kafkajs producer retries a request the broker already applied (seen under load, and
 * on Kafka 4.1) and writes those records twice; with sequence numbers the broker drops the copy.
 */
export function testProducer(kafka: Kafka): Producer {
  return kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner })
}

/** Group timings kept short so joins, rebalances and leaves take seconds, not the 30 s defaults. */
export const FAST_GROUP = { sessionTimeout: 6000, rebalanceTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 } as const

/** Polls `check` until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * Collects everything a test creates on the broker and deletes it at the end, so repeated runs
 * leave the shared broker as they found it. Use: `const broker = await brokerFixture(); after(() => broker.cleanup())`.
 */
export interface BrokerFixture {
  readonly kafka: Kafka
  readonly admin: Admin
  createTopics(topics: ITopicConfig[]): Promise<void>
  /** Registers a group for deletion (its members must have disconnected by cleanup time). */
  trackGroup(groupId: string): string
  /** Registers anything else to close or disconnect at cleanup (consumers, producers). */
  defer(fn: () => Promise<unknown>): void
  cleanup(): Promise<void>
}

export async function brokerFixture(): Promise<BrokerFixture> {
  const kafka = testKafka()
  const admin = kafka.admin()
  await admin.connect()
  const topics: string[] = []
  const groups: string[] = []
  const deferred: Array<() => Promise<unknown>> = []
  return {
    kafka,
    admin,
    async createTopics(configs) {
      const created = await admin.createTopics({ topics: configs, waitForLeaders: false })
      if (!created) throw new Error(`topics already existed: ${configs.map((t) => t.topic).join(', ')}`)
      topics.push(...configs.map((t) => t.topic))
      // A produce right after creation must not race the leader election. kafkajs'
      // waitForLeaders retries only LEADER_NOT_AVAILABLE, but a KRaft broker that has not yet
      // applied the new topic's metadata answers UNKNOWN_TOPIC_OR_PARTITION (kafkajs#1222), so poll.
      const names = configs.map((t) => t.topic)
      await waitFor(`leaders for ${names.join(', ')}`, async () => {
        try {
          const meta = await admin.fetchTopicMetadata({ topics: names })
          return meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))
        } catch {
          return false
        }
      })
    },
    trackGroup(groupId) {
      groups.push(groupId)
      return groupId
    },
    defer(fn) {
      deferred.push(fn)
    },
    async cleanup() {
      // Clients first (a group with members can't be deleted), newest first; ignore failures.
      for (const fn of deferred.reverse()) await fn().catch(() => undefined)
      if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined)
      if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined)
      await admin.disconnect()
    },
  }
}
