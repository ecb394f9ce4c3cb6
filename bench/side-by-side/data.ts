/**
 * The bench's input data, loaded once before any contender runs (as SimpleBenchmark does, so the
 * load generator takes no CPU during a run): string keys from a 10,000-key space drawn uniformly
 * or Zipf(0.99)-skewed, values of random bytes, timestamps one millisecond apart ending now.
 * Also the W4 table (one record per key, older than every stream record) and W5 changelogs
 * (distinct keys, 8-byte counts). The expected output counts come from the same pass.
 */
import { randomFillSync } from 'node:crypto'
import type { Admin, Producer } from 'kafkajs'
import { random } from '../../examples/shared/random.ts'

export interface InputTopic {
  readonly topic: string
  readonly records: number
  readonly bytes: number
  /** Records whose first value byte is even: what W1's filter keeps. */
  readonly evens: number
}

export function keyOf(k: number): string {
  return `key-${String(k).padStart(5, '0')}`
}

/** Key indexes: uniform, or Zipf with exponent `s` by inverse CDF (binary search). */
function keyPicker(keys: number, skew: 'uniform' | 'zipf', next: () => number, s = 0.99): () => number {
  if (skew === 'uniform') return () => Math.floor(next() * keys)
  const cdf = new Float64Array(keys)
  let sum = 0
  for (let k = 0; k < keys; k++) cdf[k] = sum += 1 / Math.pow(k + 1, s)
  for (let k = 0; k < keys; k++) cdf[k]! /= sum
  return () => {
    const u = next()
    let lo = 0
    let hi = keys - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cdf[mid]! < u) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

const CHUNK = 10_000

/**
 * Sends `count` records made by `make(i)` in chunks. Streams are sent one request at a time
 * (`inFlight` 1): kafkajs does not keep the order of concurrent sends, and timestamps must not
 * decrease within a partition (a windowed count with no grace drops late records).
 */
async function sendAll(producer: Producer, topic: string, count: number, make: (i: number) => { key: Buffer; value: Buffer; timestamp: number }, inFlight = 1): Promise<void> {
  const pending = new Set<Promise<unknown>>()
  for (let i = 0; i < count; i += CHUNK) {
    const messages = []
    for (let j = i; j < Math.min(count, i + CHUNK); j++) {
      const r = make(j)
      messages.push({ key: r.key, value: r.value, timestamp: String(r.timestamp) })
    }
    const p = producer.send({ topic, messages, acks: 1 }).finally(() => pending.delete(p))
    pending.add(p)
    if (pending.size >= inFlight) await Promise.race(pending)
  }
  await Promise.all(pending)
}

export async function createTopics(admin: Admin, names: ReadonlyArray<string>, partitions: number, compact = false): Promise<void> {
  await admin.createTopics({
    waitForLeaders: true,
    topics: names.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1, ...(compact ? { configEntries: [{ name: 'cleanup.policy', value: 'compact' }] } : {}) })),
  })
}

export async function loadStream(producer: Producer, topic: string, options: { records: number; keys: number; valueBytes: number; skew: 'uniform' | 'zipf'; seed: number }): Promise<InputTopic> {
  const next = random(options.seed)
  const pick = keyPicker(options.keys, options.skew, next)
  const keys = Array.from({ length: options.keys }, (_, k) => Buffer.from(keyOf(k)))
  const end = Date.now()
  let evens = 0
  let bytes = 0
  const slab = Buffer.allocUnsafe(options.valueBytes * CHUNK)
  await sendAll(producer, topic, options.records, (i) => {
    if (i % CHUNK === 0) randomFillSync(slab)
    const value = Buffer.from(slab.subarray((i % CHUNK) * options.valueBytes, ((i % CHUNK) + 1) * options.valueBytes))
    if ((value[0]! & 1) === 0) evens++
    const key = keys[pick()]!
    bytes += key.length + value.length
    return { key, value, timestamp: end - options.records + i }
  })
  return { topic, records: options.records, bytes, evens }
}

/** W4's table: one record per key, timestamped before every stream record so it is loaded first. */
export async function loadTable(producer: Producer, topic: string, keys: number, valueBytes: number, before: number): Promise<void> {
  const value = Buffer.alloc(valueBytes, 7)
  await sendAll(producer, topic, keys, (k) => ({ key: Buffer.from(keyOf(k)), value, timestamp: before - keys + k }))
}

/** W5: a store changelog of `records` distinct keys with 8-byte counts (what W2's store writes). */
export async function loadChangelog(producer: Producer, topic: string, records: number): Promise<void> {
  const now = Date.now()
  await sendAll(producer, topic, records, (i) => {
    const value = Buffer.allocUnsafe(8)
    value.writeBigInt64BE(BigInt(i + 1))
    return { key: Buffer.from(`restore-${String(i).padStart(8, '0')}`), value, timestamp: now }
  }, 4)
}
