/**
 * What the broker-kill tests share: a broker of the test's own (chaos/broker.ts: moved ports, a
 * private services home, `kill -9` and relaunch on the same data; never the shared dev broker), a
 * kafkajs client on it, load that keeps flowing through the outage, and reading a topic whole.
 */
import { after, before } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { startOwnBroker, type OwnBroker } from '../../chaos/broker.ts'
import { createKafkaJsClient } from '../../src/client/kafkajs/kafkajs-client.ts'
import { partitionKey, type ConsumerRecord, type KafkaClient, type ProducerRecord } from '../../src/client/port.ts'
import type { Logger } from '../../src/instrumentation/logger.ts'

export interface OwnBrokerFixture {
  readonly broker: OwnBroker
  readonly client: KafkaClient
  createTopics(specs: ReadonlyArray<{ readonly name: string; readonly partitions: number }>): Promise<void>
  /** Every record of `topic`, partition by partition in offset order. */
  readAll(topic: string, isolationLevel?: 'read_committed' | 'read_uncommitted'): Promise<ConsumerRecord[]>
  stop(): Promise<void>
}

/** kafkajs settings of the apps under test: short timeouts, so a dead broker is noticed in seconds. */
export const APP_KAFKA = {
  connectionTimeout: 3000,
  consumer: { sessionTimeout: 6000, rebalanceTimeout: 20_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 },
  producer: { transactionTimeout: 10_000 },
} as const

/**
 * A test file's own broker: started before its tests when the services are there (`ready()`
 * says so), always stopped after them. The returned function hands the fixture to a test.
 */
export function ownBrokerForFile(ready: () => boolean): () => OwnBrokerFixture {
  let fixture: OwnBrokerFixture | undefined
  before(async () => {
    if (ready()) fixture = await ownBroker()
  })
  after(async () => {
    await fixture?.stop()
  })
  return () => fixture!
}

export async function ownBroker(): Promise<OwnBrokerFixture> {
  const started = Date.now()
  const broker = await startWithRetry()
  if (process.env.KSTREAMS_TEST_VERBOSE) process.stderr.write(`own broker ${broker.brokers.join(',')} up in ${Date.now() - started} ms\n`)
  const client = createKafkaJsClient({ brokers: broker.brokers, clientId: 'own-broker-test', connectionTimeout: 3000 })
  return {
    broker,
    client,
    async createTopics(specs) {
      const admin = client.admin()
      try {
        await admin.createTopics(specs.map((s) => ({ name: s.name, numPartitions: s.partitions })))
      } finally {
        await admin.close()
      }
    },
    async readAll(topic, isolationLevel = 'read_uncommitted') {
      const admin = client.admin()
      const reader = client.partitionReader({ isolationLevel })
      try {
        const n = (await admin.describeTopics([topic])).get(topic)?.numPartitions ?? 0
        const partitions = Array.from({ length: n }, (_, partition) => ({ topic, partition }))
        const ends = await admin.endOffsets(partitions)
        const out: ConsumerRecord[] = []
        for (const tp of partitions) {
          for await (const batch of reader.read(tp, 0, ends.get(partitionKey(topic, tp.partition)) ?? 0)) out.push(...batch)
        }
        return out
      } finally {
        await reader.close()
        await admin.close()
      }
    },
    async stop() {
      // Killed first: its data is thrown away anyway, and a graceful stop can take a minute.
      await broker.kill().catch(() => {})
      await broker.stop()
    },
  }
}

/**
 * A start that fails is tried again on other ports: the ports are picked free, but another run on
 * this shared machine may take one before the JVM binds it (a start that exited during start-up,
 * its log gone with its home, was seen once in a few dozen).
 */
async function startWithRetry(attempts = 3): Promise<OwnBroker> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOwnBroker()
    } catch (error) {
      if (attempt >= attempts) throw error
      process.stderr.write(`own broker: start ${attempt} of ${attempts} failed, trying other ports (${(error as Error).message.split('\n')[0]})\n`)
    }
  }
}

/**
 * Sends `next(n)`'s records every `intervalMs` until stopped, through the outage too: a send that
 * fails is counted and not retried by hand (kafkajs may have written it anyway, so what the topics
 * hold, not `sent`, is the truth a check compares with).
 */
export class FlowingLoad {
  sent = 0
  failed = 0
  readonly #done: Promise<void>
  #stopping = false

  constructor(client: KafkaClient, next: (n: number) => ProducerRecord[], intervalMs = 100) {
    this.#done = (async () => {
      const producer = client.producer({})
      await producer.connect()
      try {
        for (let n = 0; !this.#stopping; n++) {
          const records = next(n)
          try {
            await producer.send(records)
            this.sent += records.length
          } catch {
            this.failed += records.length
          }
          await sleep(intervalMs)
        }
      } finally {
        await producer.close().catch(() => {})
      }
    })()
  }

  async stop(): Promise<void> {
    this.#stopping = true
    await this.#done
  }
}

/** A logger that keeps the warnings and errors (and prints them with KSTREAMS_TEST_VERBOSE). */
export function keepingLogger(lines: string[], bindings: object = {}): Logger {
  const keep = (level: string) => (obj: object, msg?: string) => {
    const err = (obj as { err?: Error }).err
    const line = `${level} ${msg ?? ''}${err ? ` (${err.name}: ${err.message})` : ''} ${JSON.stringify(bindings)}`
    lines.push(line)
    if (process.env.KSTREAMS_TEST_VERBOSE) process.stderr.write(`${new Date().toISOString()} ${line}\n`)
  }
  const noop = (): void => {}
  return { trace: noop, debug: noop, info: noop, warn: keep('warn'), error: keep('error'), child: (b) => keepingLogger(lines, { ...bindings, ...b }) }
}

/** Polls `condition` (a throwing one counts as false) until it holds; throws naming `what` after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      if (await condition()) return
    } catch {
      // not yet: the broker may still be coming back
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(250)
  }
}
