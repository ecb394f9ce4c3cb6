import type { Serde } from '../../serdes/serde.ts'
import type { StateStore } from '../../state/store.ts'
import type { Subtopology } from '../../topology/compile.ts'

/**
 * A serde the task will use, with the topic it serializes to (`undefined`: it only
 * deserializes, so it needs `configure()` but no `prepareSerialize`).
 */
export interface SerdeUse {
  readonly serde: Serde<any>
  readonly topic: string | undefined
  /** Where it is used, for error messages: `source "KSTREAM-SOURCE-0000000000"`, `store "counts"`. */
  readonly where: string
}

/** What a store exposes when it serializes typed keys and values (the metered layers, buffers). */
interface SerializingStore {
  readonly keySerde?: unknown
  readonly valueSerde?: unknown
  /** The topic handed to the serdes; the metered stores use the changelog topic's name. */
  readonly serdeTopic?: unknown
}

/**
 * Every serde a task uses and the topic it writes under: sources (read only), static sinks, and
 * the stores' serdes under their changelog topic name (the name the metered stores hand their
 * serdes, as Kafka does). A sink with a topic name extractor is left out: its topics are known
 * only per record (see `SinkProcessor`).
 */
export function serdeUses(
  subtopology: Subtopology,
  defaults: { readonly key: Serde<any> | undefined; readonly value: Serde<any> | undefined },
  stores: Iterable<StateStore>,
  changelogTopic: (storeName: string) => string,
): SerdeUse[] {
  const out: SerdeUse[] = []
  const add = (serde: unknown, topic: string | undefined, where: string) => {
    if (isSerde(serde)) out.push({ serde, topic, where })
  }
  for (const node of subtopology.nodes) {
    if (node.kind === 'source') {
      add(node.spec.keySerde ?? defaults.key, undefined, `source "${node.name}"`)
      add(node.spec.valueSerde ?? defaults.value, undefined, `source "${node.name}"`)
    } else if (node.kind === 'sink' && typeof node.topic === 'string') {
      add(node.spec.keySerde ?? defaults.key, node.topic, `sink "${node.name}"`)
      add(node.spec.valueSerde ?? defaults.value, node.topic, `sink "${node.name}"`)
    }
  }
  for (const store of stores) {
    const s = store as StateStore & SerializingStore
    const topic = typeof s.serdeTopic === 'string' ? s.serdeTopic : changelogTopic(store.name)
    add(s.keySerde, topic, `store "${store.name}"`)
    add(s.valueSerde, topic, `store "${store.name}"`)
  }
  return out
}

/** True when one of the serdes does I/O before its first record (a schema registry). */
export function needsAsyncPreparation(uses: ReadonlyArray<SerdeUse>): SerdeUse | undefined {
  return uses.find((u) => u.serde.configure !== undefined || (u.topic !== undefined && u.serde.prepareSerialize !== undefined))
}

/**
 * Awaits each serde's `configure()` once and its `prepareSerialize(topic)` per topic, so the
 * synchronous `serialize` on the hot path finds its schema ids. Failures name the serde's place.
 */
export async function prepareSerdes(uses: ReadonlyArray<SerdeUse>): Promise<void> {
  const configured = new Set<Serde<any>>()
  const prepared = new Set<string>()
  const pending: Promise<void>[] = []
  const named = (u: SerdeUse, p: Promise<void>) =>
    p.catch((cause: unknown) => {
      const reason = cause instanceof Error ? cause.message : String(cause)
      throw new Error(`Cannot prepare the ${u.serde.name} serde of ${u.where}${u.topic === undefined ? '' : ` for topic "${u.topic}"`}: ${reason}`, { cause })
    })
  for (const u of uses) {
    if (u.serde.configure !== undefined && !configured.has(u.serde)) {
      configured.add(u.serde)
      pending.push(named(u, u.serde.configure()))
    }
  }
  await Promise.all(pending)
  pending.length = 0
  const ids = new Map<Serde<any>, number>()
  for (const u of uses) {
    if (u.topic === undefined || u.serde.prepareSerialize === undefined) continue
    let id = ids.get(u.serde)
    if (id === undefined) ids.set(u.serde, (id = ids.size))
    const key = `${id}\u0000${u.topic}`
    if (prepared.has(key)) continue
    prepared.add(key)
    const p = u.serde.prepareSerialize(u.topic)
    if (p !== undefined) pending.push(named(u, p))
  }
  await Promise.all(pending)
}

function isSerde(value: unknown): value is Serde<any> {
  return value !== null && typeof value === 'object' && typeof (value as Serde<any>).serialize === 'function' && typeof (value as Serde<any>).deserialize === 'function'
}
