import type { Admin as KafkaJsAdminClient, Kafka } from 'kafkajs'
import { ClientClosedError } from '../errors.ts'
import type { Admin, TopicDescription, TopicPartition, TopicSpec } from '../port.ts'
import { partitionKey } from '../port.ts'
import { translateError } from './errors.ts'
import type { InternalCluster } from './internals.ts'
import { createInternalCluster, existingPartitions, READ_UNCOMMITTED } from './internals.ts'

/** kafkajs's `ConfigResourceTypes.TOPIC` and `ConfigSource.DEFAULT_CONFIG`. */
const TOPIC_RESOURCE = 2
const DEFAULT_CONFIG_SOURCE = 5

/**
 * Admin calls over kafkajs's admin client. Connects on first use. End offsets come from a
 * read_uncommitted ListOffsets (the high watermark, as the port promises): kafkajs's own
 * `fetchTopicOffsets` asks with read_committed and answers the last stable offset.
 */
export class KafkaJsAdmin implements Admin {
  readonly #kafka: Kafka
  readonly #replicationFactor: number
  #admin: KafkaJsAdminClient | undefined
  #connecting: Promise<KafkaJsAdminClient> | undefined
  #offsets: Promise<InternalCluster> | undefined
  #closed = false

  constructor(kafka: Kafka, options: { readonly defaultReplicationFactor: number }) {
    this.#kafka = kafka
    this.#replicationFactor = options.defaultReplicationFactor
  }

  async createTopics(topics: ReadonlyArray<TopicSpec>): Promise<void> {
    if (topics.length === 0) return
    const admin = await this.#connected()
    try {
      const existing = new Set(await admin.listTopics())
      const missing = topics.filter((t) => !existing.has(t.name))
      if (missing.length === 0) return
      // Another instance may create the same topics concurrently: kafkajs answers false, not an error.
      await admin.createTopics({
        // kafkajs's own wait retries only LEADER_NOT_AVAILABLE, while a KRaft broker that has not
        // applied the new topic's metadata yet answers UNKNOWN_TOPIC_OR_PARTITION (kafkajs#1222).
        waitForLeaders: false,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.numPartitions,
          replicationFactor: t.replicationFactor ?? this.#replicationFactor,
          configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value })),
        })),
      })
      await waitForLeaders(admin, missing.map((t) => t.name))
    } catch (error) {
      throw translateError(error, `createTopics(${topics.map((t) => t.name).join(', ')})`)
    }
  }

  async describeTopics(names: ReadonlyArray<string>): Promise<Map<string, TopicDescription>> {
    const out = new Map<string, TopicDescription>()
    if (names.length === 0) return out
    const admin = await this.#connected()
    try {
      const existing = new Set(await admin.listTopics())
      const present = [...new Set(names)].filter((n) => existing.has(n))
      if (present.length === 0) return out
      const [metadata, configs] = await Promise.all([
        admin.fetchTopicMetadata({ topics: present }),
        admin.describeConfigs({ includeSynonyms: false, resources: present.map((name) => ({ type: TOPIC_RESOURCE, name })) }),
      ])
      const configByTopic = new Map<string, { [key: string]: string }>()
      for (const resource of configs.resources) {
        const config: { [key: string]: string } = {}
        for (const entry of resource.configEntries) {
          // Only what was set for the topic (or the broker), like the embedded broker's description.
          const source = (entry as { configSource?: number }).configSource
          if (entry.isDefault || source === DEFAULT_CONFIG_SOURCE || entry.isSensitive) continue
          if (entry.configValue !== null && entry.configValue !== undefined) config[entry.configName] = entry.configValue
        }
        configByTopic.set(resource.resourceName, config)
      }
      for (const topic of metadata.topics) {
        out.set(topic.name, { name: topic.name, numPartitions: topic.partitions.length, config: configByTopic.get(topic.name) ?? {} })
      }
      return out
    } catch (error) {
      throw translateError(error, `describeTopics(${names.join(', ')})`)
    }
  }

  async deleteTopics(names: ReadonlyArray<string>): Promise<void> {
    if (names.length === 0) return
    const admin = await this.#connected()
    try {
      const existing = new Set(await admin.listTopics())
      const present = [...new Set(names)].filter((n) => existing.has(n))
      if (present.length > 0) await admin.deleteTopics({ topics: present })
    } catch (error) {
      throw translateError(error, `deleteTopics(${names.join(', ')})`)
    }
  }

  async endOffsets(partitions: ReadonlyArray<TopicPartition>): Promise<Map<string, number>> {
    if (partitions.length === 0) return new Map()
    this.#checkOpen()
    try {
      return await this.#endOffsets(partitions)
    } catch {
      // kafkajs's cluster keeps refreshing every topic it was asked about, and fails for good
      // once one of them is deleted: start again with a fresh one.
      const stale = this.#offsets
      this.#offsets = undefined
      void stale?.then((c) => c.disconnect()).catch(() => undefined)
      try {
        return await this.#endOffsets(partitions)
      } catch (error) {
        throw translateError(error, 'endOffsets')
      }
    }
  }

  async #endOffsets(partitions: ReadonlyArray<TopicPartition>): Promise<Map<string, number>> {
    this.#offsets ??= this.#connectOffsets()
    const cluster = await this.#offsets
    const known = await existingPartitions(cluster, partitions.map((p) => p.topic))
    const byTopic = new Map<string, number[]>()
    for (const p of partitions) {
      if (!known.get(p.topic)?.has(p.partition)) continue
      const list = byTopic.get(p.topic) ?? []
      list.push(p.partition)
      byTopic.set(p.topic, list)
    }
    const out = new Map<string, number>()
    if (byTopic.size === 0) return out
    await cluster.addMultipleTargetTopics([...byTopic.keys()])
    const request = [...byTopic].map(([topic, ps]) => ({ topic, fromBeginning: false, partitions: ps.map((partition) => ({ partition })) }))
    for (const t of await cluster.fetchTopicsOffset(request)) {
      for (const p of t.partitions) out.set(partitionKey(t.topic, p.partition), Number(p.offset))
    }
    return out
  }

  async committedOffsets(groupId: string, partitions: ReadonlyArray<TopicPartition>): Promise<Map<string, number>> {
    const out = new Map<string, number>()
    if (partitions.length === 0) return out
    const admin = await this.#connected()
    return fetchCommitted(admin, groupId, partitions)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const admin = this.#connecting ? await this.#connecting.catch(() => undefined) : undefined
    const offsets = this.#offsets ? await this.#offsets.catch(() => undefined) : undefined
    await Promise.allSettled([admin?.disconnect(), offsets?.disconnect()])
  }

  async #connected(): Promise<KafkaJsAdminClient> {
    this.#checkOpen()
    if (this.#admin) return this.#admin
    this.#connecting ??= (async () => {
      const admin = this.#kafka.admin()
      try {
        await admin.connect()
      } catch (error) {
        this.#connecting = undefined
        throw translateError(error, 'admin connect')
      }
      this.#admin = admin
      return admin
    })()
    return this.#connecting
  }

  async #connectOffsets(): Promise<InternalCluster> {
    const cluster = createInternalCluster(this.#kafka, { isolationLevel: READ_UNCOMMITTED })
    try {
      await cluster.connect()
    } catch (error) {
      this.#offsets = undefined
      throw translateError(error, 'admin connect')
    }
    return cluster
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClientClosedError('Admin is closed')
  }
}

/** Committed offsets of `groupId` for `partitions`; partitions without one are absent. */
async function fetchCommitted(
  admin: KafkaJsAdminClient,
  groupId: string,
  partitions: ReadonlyArray<TopicPartition>,
): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  const wanted = new Set(partitions.map((p) => partitionKey(p.topic, p.partition)))
  const topics = [...new Set(partitions.map((p) => p.topic))]
  try {
    for (const t of await admin.fetchOffsets({ groupId, topics })) {
      for (const p of t.partitions) {
        const key = partitionKey(t.topic, p.partition)
        const offset = Number(p.offset)
        if (wanted.has(key) && offset >= 0) out.set(key, offset)
      }
    }
    return out
  } catch (error) {
    throw translateError(error, `committed offsets of group "${groupId}"`)
  }
}

/** Polls the metadata until every partition of `topics` has a leader (30 s at most). */
async function waitForLeaders(admin: KafkaJsAdminClient, topics: string[]): Promise<void> {
  const deadline = Date.now() + 30_000
  for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics })
      if (meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return
    } catch (error) {
      if (Date.now() > deadline) throw error
    }
    if (Date.now() > deadline) throw new Error(`no leaders for ${topics.join(', ')} after 30 s`)
    await new Promise((resolve) => setTimeout(resolve, delay))
  }
}
