/**
 * The Kafka side of one chaos run's app, under the run's unique prefix: its topics created (and,
 * for payments, its accounts opened) before any instance starts; the committed output measured
 * while the faults come; and at the end its topics (internal ones included) and consumer groups
 * deleted.
 */
import type { Kafka } from 'kafkajs'
import type { AppName } from './instance.ts'
import { endOffsets } from './verifier/read.ts'

export class AppTopics {
  readonly #kafka: Kafka
  readonly #app: AppName
  /** The run's tag: the application id, so its internal topics and group start with it too. */
  readonly #tag: string
  /** `<tag>-`, before every topic the app reads or writes. */
  readonly #prefix: string

  constructor(kafka: Kafka, app: AppName, tag: string, prefix: string) {
    this.#kafka = kafka
    this.#app = app
    this.#tag = tag
    this.#prefix = prefix
  }

  /** The app's input and output topics, and (payments) its opened accounts. */
  async create(partitions: number, accounts: number): Promise<void> {
    const p = this.#prefix
    const names = this.#app === 'payments'
      ? ['payment-inflight', 'payment', 'payment-complete', 'payment-rejected', 'payments-dlq']
      : ['auction-items-submitted', 'items', 'auction-bids', 'auction-bids-history', 'auction-items-complete', 'auction-results', 'auction-notifications', 'auction-rejected', 'auction-dlq']
    const admin = this.#kafka.admin()
    await admin.connect()
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          ...names.map((n) => ({ topic: `${p}${n}`, numPartitions: partitions })),
          ...(this.#app === 'payments' ? [{ topic: `${p}accounts`, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] : []),
        ],
      })
    } finally {
      await admin.disconnect()
    }
    if (this.#app === 'payments') {
      const producer = this.#kafka.producer()
      await producer.connect()
      await producer.send({
        topic: `${p}accounts`,
        messages: Array.from({ length: accounts }, (_, i) => ({
          key: `acct-${String(i).padStart(4, '0')}`,
          value: JSON.stringify({ openingBalance: 100_000 * (1 + (i % 5)) }),
        })),
      })
      await producer.disconnect()
    }
  }

  /** Σ read_committed end offsets of the app's output topics: grows as results commit. */
  async committedOutput(): Promise<number> {
    const outputs = this.#app === 'payments'
      ? ['payment-complete', 'payment-rejected', 'payments-dlq']
      : ['items', 'auction-bids-history', 'auction-rejected', 'auction-items-complete']
    const ends = await endOffsets(this.#kafka, outputs.map((o) => `${this.#prefix}${o}`), 'read_committed')
    return [...ends.values()].reduce((a, b) => a + b, 0)
  }

  /** Every topic of the run, the app's internal topics (changelogs, repartitions) included. */
  async list(): Promise<string[]> {
    const admin = this.#kafka.admin()
    await admin.connect()
    try {
      return (await admin.listTopics()).filter((t) => t.startsWith(this.#tag))
    } finally {
      await admin.disconnect()
    }
  }

  /** The read_committed end of every topic of the run, as one comparable string. */
  async committedEnds(): Promise<string> {
    const ends = await endOffsets(this.#kafka, await this.list(), 'read_committed')
    return JSON.stringify([...ends].sort())
  }

  /** Deletes the run's topics and consumer groups; a broker already gone leaves nothing to tidy. */
  async delete(): Promise<void> {
    try {
      const topics = await this.list()
      const admin = this.#kafka.admin()
      await admin.connect()
      if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined)
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(this.#tag) || g === this.#tag)
      if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined)
      await admin.disconnect()
    } catch {
      // The broker may be gone (broker-bounce stops its own); nothing left to tidy then.
    }
  }
}
