import type { Admin, TopicDescription, TopicSpec } from '../client/port.ts'
import type { CompiledTopology, InternalTopic } from '../topology/compile.ts'
import { MissingSourceTopicError, TopicLayoutError } from './errors.ts'

/** Partition counts of everything the application reads and writes internally. */
export interface TopicLayout {
  /** Topic → partition count: source topics (repartition included) and changelogs. */
  readonly partitions: ReadonlyMap<string, number>
  /** Sub-topology id → number of tasks (the largest partition count among its source topics). */
  readonly taskCounts: ReadonlyMap<number, number>
}

/**
 * Kafka Streams' start-up topic work (`InternalTopicManager`, `RepartitionTopics`,
 * `CopartitionedTopicsEnforcer`): checks that the user's source topics exist, works out the
 * partition counts of repartition and changelog topics, enforces co-partitioning, and creates the
 * internal topics that are missing (changelogs compacted). Existing internal topics with a
 * different partition count are an error, as in Kafka: their data would land on the wrong tasks.
 */
export async function prepareInternalTopics(admin: Admin, topology: CompiledTopology): Promise<TopicLayout> {
  const external = [...topology.externalSourceTopics, ...topology.globalStores.map((g) => g.topic)]
  const internal = [...topology.repartitionTopics, ...topology.changelogTopics]
  const described = await admin.describeTopics([...new Set([...external, ...internal.map((t) => t.name)])])

  const missing = external.filter((t) => !described.has(t))
  if (missing.length > 0) throw new MissingSourceTopicError(topology.applicationId, [...new Set(missing)].sort())

  const counts = new Map<string, number>()
  for (const t of external) counts.set(t, described.get(t)!.numPartitions)
  const repartitionCounts = resolveRepartitionCounts(topology, counts)
  for (const [t, n] of repartitionCounts) counts.set(t, n)

  const taskCounts = new Map<number, number>()
  for (const sub of topology.subtopologies) {
    let tasks = 0
    for (const t of sub.sourceTopics) tasks = Math.max(tasks, counts.get(t) ?? 0)
    taskCounts.set(sub.id, tasks)
  }
  for (const changelog of topology.changelogTopics) {
    counts.set(changelog.name, changelog.numPartitions ?? taskCounts.get(changelog.subtopology)!)
  }

  const toCreate: TopicSpec[] = []
  for (const topic of internal) {
    const expected = counts.get(topic.name)!
    const existing = described.get(topic.name)
    if (existing) checkExisting(topic, existing, expected)
    else toCreate.push({ name: topic.name, numPartitions: expected, config: topic.config })
  }
  if (toCreate.length > 0) await admin.createTopics(toCreate)
  return { partitions: counts, taskCounts }
}

function checkExisting(topic: InternalTopic, existing: TopicDescription, expected: number): void {
  if (existing.numPartitions !== expected) {
    throw new TopicLayoutError(
      `Existing internal topic "${topic.name}" has ${existing.numPartitions} partitions, but the topology needs ${expected}: ` +
        'delete it (after stopping every instance) or reset the application',
    )
  }
  if (topic.type === 'changelog' && topic.config['cleanup.policy']?.includes('compact') && !existing.config['cleanup.policy']?.includes('compact')) {
    throw new TopicLayoutError(`Existing changelog topic "${topic.name}" is not compacted (cleanup.policy=${existing.config['cleanup.policy'] ?? 'delete'})`)
  }
}

/**
 * Repartition topics without a fixed count take the largest count among the source topics of the
 * sub-topologies writing them — which may be repartition topics themselves, hence the fixpoint —
 * and co-partition groups then align them with the group's external topics.
 */
function resolveRepartitionCounts(topology: CompiledTopology, known: ReadonlyMap<string, number>): Map<string, number> {
  const pinned = new Map<string, number>()
  let result = new Map<string, number>()
  // Each co-partition pin can change downstream counts; the topology is a DAG, so a few rounds settle.
  for (let round = 0; round <= topology.repartitionTopics.length + 1; round++) {
    result = computeOnce(topology, known, pinned)
    const all = new Map([...known, ...result])
    const changed = enforceCopartitioning(topology, all, pinned)
    if (!changed) return result
  }
  return result
}

function computeOnce(topology: CompiledTopology, known: ReadonlyMap<string, number>, pinned: ReadonlyMap<string, number>): Map<string, number> {
  const counts = new Map<string, number>()
  for (const r of topology.repartitionTopics) {
    const fixed = r.numPartitions ?? pinned.get(r.name)
    if (fixed !== undefined) counts.set(r.name, fixed)
  }
  // Largest count among a topic's writers' source topics; `complete` when all of them are known.
  const upstream = (r: InternalTopic): { max: number; complete: boolean } => {
    let max = 0
    let complete = true
    for (const writer of r.writerSubtopologies) {
      for (const t of topology.subtopology(writer).sourceTopics) {
        const n = known.get(t) ?? counts.get(t)
        if (n === undefined) complete = false
        else max = Math.max(max, n)
      }
    }
    return { max, complete }
  }
  for (;;) {
    for (let progress = true; progress; ) {
      progress = false
      for (const r of topology.repartitionTopics) {
        if (counts.has(r.name)) continue
        const { max, complete } = upstream(r)
        if (complete && max > 0) {
          counts.set(r.name, max)
          progress = true
        }
      }
    }
    // Only cycles are left (a foreign-key join's subscription and response topics feed each
    // other's writers): as Kafka does, the first such topic takes the largest count known so far;
    // co-partitioning then aligns both with their tables.
    const next = topology.repartitionTopics.find((r) => !counts.has(r.name) && upstream(r).max > 0)
    if (next === undefined) break
    counts.set(next.name, upstream(next).max)
  }
  for (const r of topology.repartitionTopics) {
    if (!counts.has(r.name)) {
      throw new TopicLayoutError(`Cannot work out the partition count of repartition topic "${r.name}" (no writer with known source topics)`)
    }
  }
  return counts
}

/** Returns true when it pinned a repartition topic to a new count. */
function enforceCopartitioning(topology: CompiledTopology, counts: ReadonlyMap<string, number>, pinned: Map<string, number>): boolean {
  const repartition = new Map(topology.repartitionTopics.map((r) => [r.name, r]))
  let changed = false
  for (const group of topology.copartitionGroups) {
    const fixed = group.filter((t) => !repartition.has(t) || repartition.get(t)!.numPartitions !== undefined)
    const fixedCounts = new Set(fixed.map((t) => counts.get(t)))
    if (fixedCounts.size > 1) {
      const listing = group.map((t) => `${t}=${counts.get(t) ?? '?'}`).join(', ')
      throw new TopicLayoutError(
        `Topics not co-partitioned: [${listing}]. Joined topics need the same number of partitions, ` +
          'so each task sees matching keys; repartition one side to the other\'s partition count',
      )
    }
    const target = fixed.length > 0 ? counts.get(fixed[0]!)! : Math.max(...group.map((t) => counts.get(t) ?? 0))
    for (const t of group) {
      if (!repartition.has(t) || repartition.get(t)!.numPartitions !== undefined) continue
      if (counts.get(t) !== target && pinned.get(t) !== target) {
        pinned.set(t, target)
        changed = true
      }
    }
  }
  return changed
}
