import type { Admin as KafkaJsAdminClient, Kafka } from 'kafkajs'
import { ClientClosedError, KafkaClientError } from '../errors.ts'
import type { Admin, TopicDescription, TopicPartition, TopicSpec } from '../port.ts'
import { partitionKey } from '../port.ts'
import { protocolErrorType, translateError } from './errors.ts'
import type { InternalCluster } from './internals.ts'
import { createInternalCluster, existingPartitions, READ_UNCOMMITTED } from './internals.ts'
import { fetchStableCommitted } from './stable-offset-fetch.ts'

/** Answers worth asking again (after ~1.5 s in all): a leader moving or not elected yet, a stale cluster. */
const RETRY_END_OFFSETS = new Set(['NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE', 'UNKNOWN_TOPIC_OR_PARTITION', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH'])
const END_OFFSETS_RETRIES = 5

/** kafkajs's `ConfigResourceTypes.TOPIC` and `ConfigSource.DEFAULT_CONFIG`. */
const TOPIC_RESOURCE = 2
const DEFAULT_CONFIG_SOURCE = 5

/**
 * Admin calls over kafkajs's admin client. Connects on first use. Which topics exist, and their
 * partition counts, come from one Metadata request for just those topics (kafkajs lists every
 * topic in the cluster, and retries an unknown one for seconds). End offsets come from a
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
    const existing = await this.#existing(topics.map((t) => t.name))
    const missing = topics.filter((t) => !existing.has(t.name))
    if (missing.length === 0) return
    await this.#withAdmin(`createTopics(${missing.map((t) => t.name).join(', ')})`, async (admin) => {
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
    })
  }

  async describeTopics(names: ReadonlyArray<string>): Promise<Map<string, TopicDescription>> {
    const out = new Map<string, TopicDescription>()
    if (names.length === 0) return out
    const existing = await this.#existing(names)
    if (existing.size === 0) return out
    const resources = [...existing.keys()].map((name) => ({ type: TOPIC_RESOURCE, name }))
    const configs = await this.#withAdmin(`describeTopics(${names.join(', ')})`, (admin) => admin.describeConfigs({ includeSynonyms: false, resources }))
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
    for (const [name, partitions] of existing) {
      out.set(name, { name, numPartitions: partitions.size, config: configByTopic.get(name) ?? {} })
    }
    return out
  }

  async deleteTopics(names: ReadonlyArray<string>): Promise<void> {
    if (names.length === 0) return
    const present = [...(await this.#existing(names)).keys()]
    if (present.length === 0) return
    await this.#withAdmin(`deleteTopics(${present.join(', ')})`, (admin) => admin.deleteTopics({ topics: present }))
  }

  async endOffsets(partitions: ReadonlyArray<TopicPartition>): Promise<Map<string, number>> {
    if (partitions.length === 0) return new Map()
    this.#checkOpen()
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#endOffsets(partitions)
      } catch (error) {
        const type = protocolErrorType(error)
        if (attempt >= END_OFFSETS_RETRIES || (type !== undefined && !RETRY_END_OFFSETS.has(type))) throw translateError(error, 'endOffsets')
        // A partition just created may be listed with a leader that has not taken over yet, and
        // kafkajs's cluster fails for good once a topic it was asked about is deleted: start
        // again on a fresh one, after a short wait.
        const stale = this.#offsets
        this.#offsets = undefined
        void stale?.then((c) => c.disconnect()).catch(() => undefined)
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt))
      }
    }
  }

  /** The partitions of those `topics` that exist (one targeted Metadata request, no retries). */
  async #existing(topics: ReadonlyArray<string>): Promise<Map<string, Set<number>>> {
    this.#checkOpen()
    this.#offsets ??= this.#connectOffsets()
    try {
      return await existingPartitions(await this.#offsets, topics)
    } catch (error) {
      throw translateError(error, `topic metadata (${[...new Set(topics)].join(', ')})`)
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

  /**
   * Committed offsets once no transactional offset commit is pending for them (KIP-447's
   * `require_stable`; see stable-offset-fetch.ts): what a read_committed consumer starts from.
   */
  async stableCommittedOffsets(groupId: string, partitions: ReadonlyArray<TopicPartition>): Promise<Map<string, number>> {
    if (partitions.length === 0) return new Map()
    const existing = await this.#existing(partitions.map((p) => p.topic))
    const present = partitions.filter((p) => existing.get(p.topic)?.has(p.partition))
    if (present.length === 0) return new Map()
    this.#offsets ??= this.#connectOffsets()
    const cluster = await this.#offsets
    try {
      return await fetchStableCommitted(cluster, groupId, present)
    } catch (error) {
      throw error instanceof KafkaClientError ? error : translateError(error, `committed offsets of group "${groupId}"`)
    }
  }

  async committedOffsets(groupId: string, partitions: ReadonlyArray<TopicPartition>): Promise<Map<string, number>> {
    if (partitions.length === 0) return new Map()
    // kafkajs retries a missing topic for seconds; it has no committed offsets anyway.
    const existing = await this.#existing(partitions.map((p) => p.topic))
    const present = partitions.filter((p) => existing.get(p.topic)?.has(p.partition))
    if (present.length === 0) return new Map()
    return this.#withAdmin(`committed offsets of group "${groupId}"`, (admin) => fetchCommitted(admin, groupId, present))
  }

  /** A group member's encoded `MemberAssignment` as the coordinator holds it (not part of the port). */
  async memberAssignment(groupId: string, memberId: string): Promise<{ readonly state: string; readonly assignment: Buffer | undefined }> {
    const { groups } = await this.#withAdmin(`describe group "${groupId}"`, (admin) => admin.describeGroups([groupId]))
    const group = groups.find((g) => g.groupId === groupId)
    return { state: group?.state ?? 'Unknown', assignment: group?.members.find((m) => m.memberId === memberId)?.memberAssignment }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const admin = this.#connecting ? await this.#connecting.catch(() => undefined) : undefined
    const offsets = this.#offsets ? await this.#offsets.catch(() => undefined) : undefined
    await Promise.allSettled([admin?.disconnect(), offsets?.disconnect()])
  }

  /**
   * Runs `call` on the kafkajs admin. kafkajs keeps refreshing the metadata of every topic it was
   * once asked about and fails for good when one is deleted: on UNKNOWN_TOPIC_OR_PARTITION, try
   * once more with a fresh admin client.
   */
  async #withAdmin<T>(what: string, call: (admin: KafkaJsAdminClient) => Promise<T>): Promise<T> {
    for (let attempt = 0, coordinatorRetries = 0; ; attempt++) {
      const admin = await this.#connected()
      try {
        return await call(admin)
      } catch (error) {
        // A group coordinator that is moving or still loading (e.g. just after the broker
        // started) answers with these; kafkajs's admin does not retry them on its own.
        if (COORDINATOR_NOT_READY.has(protocolErrorType(error) ?? '') && coordinatorRetries < 10) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** coordinatorRetries++)))
          continue
        }
        if (attempt > 0 || protocolErrorType(error) !== 'UNKNOWN_TOPIC_OR_PARTITION') throw translateError(error, what)
        if (this.#admin === admin) {
          this.#admin = undefined
          this.#connecting = undefined
          void admin.disconnect().catch(() => undefined)
        }
      }
    }
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
const COORDINATOR_NOT_READY = new Set(['NOT_COORDINATOR_FOR_GROUP', 'COORDINATOR_LOAD_IN_PROGRESS', 'GROUP_COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_NOT_AVAILABLE'])

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
