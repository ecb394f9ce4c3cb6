/**
 * Shared pieces of the verifiers: decoding JSON and int64 values without the library's serdes,
 * tracing dead letters back to their input by the KIP-1034 source headers, and waiting for
 * transaction markers before deciding a transaction was left open.
 */
import type { Kafka } from 'kafkajs'
import { openTransactions } from './read.ts'
import type { TopicRecord } from './read.ts'
import { num, sample } from './verdict.ts'
import type { Invariant } from './verdict.ts'

export function json(value: Buffer | null): unknown {
  if (value === null) return undefined
  try {
    return JSON.parse(value.toString('utf8'))
  } catch {
    return undefined
  }
}

export type Fields = { readonly [field: string]: unknown }
export const object = (v: unknown): Fields | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Fields) : undefined)
export const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined)
export const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
export const cents = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0

/** A store changelog value written as int64 big-endian (Kafka's LongSerializer). */
export function int64(value: Buffer | null): number | undefined {
  return value === null || value.length !== 8 ? undefined : Number(value.readBigInt64BE(0))
}

/** The last value of each key of a changelog (null: deleted). */
export function lastValues(records: ReadonlyArray<TopicRecord>): Map<string, Buffer | null> {
  const out = new Map<string, Buffer | null>()
  for (const r of [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) out.set(r.key?.toString('utf8') ?? '', r.value)
  return out
}

export const sourceOf = (r: TopicRecord): string => `${r.topic}:${r.partition}:${r.offset}`

/** The input a dead letter came from, by Kafka Streams' `__streams.errors.*` headers. */
export function deadLetterSource(r: TopicRecord): string | undefined {
  const topic = r.headers['__streams.errors.topic']
  const partition = r.headers['__streams.errors.partition']
  const offset = r.headers['__streams.errors.offset']
  return topic === undefined || partition === undefined || offset === undefined ? undefined : `${topic}:${partition}:${offset}`
}

/**
 * Every input the oracle calls unreadable is in the dead-letter topic(s) exactly once, and
 * nothing else is there. `dlq` may span several topics (the app's own and the library's).
 */
export function deadLetterCheck(unreadable: ReadonlyArray<TopicRecord>, inputs: ReadonlySet<string>, dlq: ReadonlyArray<TopicRecord>): Invariant {
  const seen = new Map<string, number>()
  const untraceable: string[] = []
  for (const r of dlq) {
    const source = deadLetterSource(r)
    if (source === undefined || !inputs.has(source)) untraceable.push(`${sourceOf(r)} → ${source ?? 'no source headers'}`)
    else seen.set(source, (seen.get(source) ?? 0) + 1)
  }
  const wanted = new Set(unreadable.map(sourceOf))
  const missing = [...wanted].filter((s) => !seen.has(s))
  const twice = [...seen].filter(([, n]) => n > 1).map(([s, n]) => `${s} ×${n}`)
  const unexpected = [...seen.keys()].filter((s) => !wanted.has(s))
  return {
    name: 'every dead-lettered input is in the DLQ exactly once (and nothing else is)',
    ok: missing.length === 0 && twice.length === 0 && unexpected.length === 0 && untraceable.length === 0,
    detail: `${num(wanted.size)} unreadable inputs, ${num(dlq.length)} dead letters; ${missing.length} missing, ${twice.length} duplicated, ${unexpected.length} for readable inputs, ${untraceable.length} untraceable` +
      sample([...missing.map((s) => `missing ${s}`), ...twice, ...unexpected.map((s) => `unexpected ${s}`), ...untraceable]),
  }
}

/**
 * No partition of `topics` holds an open transaction: read_committed and read_uncommitted end
 * offsets agree. Commit markers land just after EndTxn returns, so this looks again for up to
 * `settleMs` before calling a transaction open.
 */
export async function noOpenTransactions(kafka: Kafka, topics: ReadonlyArray<string>, settleMs = 20_000): Promise<Invariant> {
  const deadline = Date.now() + settleMs
  let open = await openTransactions(kafka, topics)
  while (open.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000))
    open = await openTransactions(kafka, topics)
  }
  return {
    name: 'no transaction left open (read_committed end = read_uncommitted end)',
    ok: open.length === 0,
    detail: `${topics.length} topics checked, ${open.length} partitions with an open transaction${sample(open)}`,
  }
}

/** Topics that exist, of the ones asked about (the library DLQ exists only once something was dead-lettered there). */
export async function existing(kafka: Kafka, topics: ReadonlyArray<string>): Promise<string[]> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const all = new Set(await admin.listTopics())
    return topics.filter((t) => all.has(t))
  } finally {
    await admin.disconnect()
  }
}
