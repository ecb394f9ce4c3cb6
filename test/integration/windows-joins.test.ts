import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { partitionKey, type ProducerRecord } from '../../src/client/port.ts'
import { silentLogger } from '../../src/instrumentation/logger.ts'
import { KafkaStreams } from '../../src/runtime/kafka-streams.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { WindowedSerdes } from '../../src/state/windowed-serdes.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { BufferConfig, Suppressed } from '../../src/topology/dsl/suppressed.ts'
import { TimeWindows } from '../../src/topology/dsl/time-windows.ts'
import { brokers, client, createTopics, deleteTopics, eventually, requireServices, skip, unique } from './runtime/broker.ts'

/**
 * Issue 5's representative set on the real broker, with a restart in the middle: a windowed count
 * suppressed until its window closes, a stream-table join and a foreign-key join run as one
 * exactly-once application; the first instance stops after part of the input, a second one with
 * the same applicationId and an empty state directory (everything restored from the changelogs)
 * takes the rest. The outputs, read back read_committed, must be exactly the final results.
 */

const str = Serdes.string()
const num = Serdes.long()
interface Item {
  readonly product: string
  readonly qty: number
}
const itemSerde = Serdes.json<Item>()
const WINDOW = 10_000
const windowedKey = WindowedSerdes.timeWindowed(str, WINDOW)

function topology(t: Topics) {
  const b = new StreamsBuilder()
  b.stream(t.clicks, { key: str, value: str })
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeWithNoGrace(WINDOW))
    .count({ storeName: 'clicks-per-window' })
    .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()).withName('final'))
    .toStream()
    .to(t.finalCounts, { value: num })

  const customers = b.table(t.customers, { key: str, value: str, storeName: 'customers' })
  b.stream(t.orders, { key: str, value: str })
    .join(customers, (order, customer) => `${order} for ${customer}`)
    .to(t.enriched, { value: str })

  const products = b.table(t.products, { key: str, value: str, storeName: 'products' })
  b.table(t.items, { key: str, value: itemSerde, storeName: 'items' })
    .join(products, (item) => item.product, (item, product) => `${item.qty} x ${product}`)
    .toStream()
    .to(t.fkOut, { value: str })
  return b.build()
}

type Topics = ReturnType<typeof topicNames>
function topicNames(app: string) {
  return {
    clicks: `${app}-clicks`,
    finalCounts: `${app}-final-counts`,
    customers: `${app}-customers`,
    orders: `${app}-orders`,
    enriched: `${app}-enriched`,
    products: `${app}-products`,
    items: `${app}-items`,
    fkOut: `${app}-fk-out`,
  }
}

function instance(app: string, topics: Topics, stateDir: string): KafkaStreams {
  return new KafkaStreams(topology(topics), {
    applicationId: app,
    kafka: {
      brokers,
      clientId: `${app}-client`,
      connectionTimeout: 3000,
      consumer: { sessionTimeout: 6000, rebalanceTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 },
      producer: { transactionTimeout: 10_000 },
    },
    stateDir,
    processingGuarantee: 'exactly_once',
    commitIntervalMs: 200,
    pollMs: 50,
    logger: silentLogger,
  })
}

async function send(records: ProducerRecord[]): Promise<void> {
  const producer = client.producer({})
  await producer.connect()
  try {
    await producer.send(records)
  } finally {
    await producer.close()
  }
}

/** Every record of a one-partition topic as a read_committed consumer sees it, as [key, value] buffers. */
async function readCommitted(topic: string): Promise<Array<[Buffer, Buffer | null]>> {
  const admin = client.admin()
  const reader = client.partitionReader({ isolationLevel: 'read_committed' })
  const out: Array<[Buffer, Buffer | null]> = []
  try {
    const tp = { topic, partition: 0 }
    const end = (await admin.endOffsets([tp])).get(partitionKey(topic, 0)) ?? 0
    for await (const batch of reader.read(tp, 0, end)) for (const r of batch) out.push([r.key!, r.value])
  } finally {
    await reader.close()
    await admin.close()
  }
  return out
}

const finalCounts = async (topic: string): Promise<string[]> =>
  (await readCommitted(topic)).map(([k, v]) => {
    const key = windowedKey.deserialize(topic, k)
    return `${key.key}@${key.window.start} ${num.deserialize(topic, v!)}`
  })

const strings = async (topic: string): Promise<string[]> => (await readCommitted(topic)).map(([k, v]) => `${k.toString()}=${v === null ? null : v.toString()}`)

/** The latest value per key (a table's output read as a changelog), sorted by key. */
const latestRows = async (topic: string): Promise<string[]> => {
  const rows = new Map<string, string | null>()
  for (const [k, v] of await readCommitted(topic)) rows.set(k.toString(), v === null ? null : v.toString())
  return [...rows].filter(([, v]) => v !== null).map(([k, v]) => `${k}=${v}`).sort()
}

test('windowed count with suppression, stream-table join and foreign-key join survive a restart on the real broker', { skip, timeout: 90_000 }, async (t) => {
  requireServices()
  const app = unique('windows-joins')
  const topics = topicNames(app)
  const dirs = [mkdtempSync(join(tmpdir(), 'kstreams-wj-')), mkdtempSync(join(tmpdir(), 'kstreams-wj-'))]
  const running: KafkaStreams[] = []
  t.after(async () => {
    for (const a of running) await a.close({ timeoutMs: 10_000 }).catch(() => {})
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
    await deleteTopics(Object.values(topics))
  })
  await createTopics(Object.values(topics).map((name) => ({ name, partitions: 1 })))

  // Recent event times (old ones could fall to the topics' retention), aligned to the windows.
  const base = Math.floor(Date.now() / WINDOW) * WINDOW - 6 * WINDOW
  const rec = (topic: string, key: string, value: string | null, offset: number): ProducerRecord =>
    ({ topic, key: Buffer.from(key), value: value === null ? null : Buffer.from(value), timestamp: base + offset })
  const click = (key: string, offset: number) => rec(topics.clicks, key, 'click', offset)
  const item = (key: string, product: string, qty: number, offset: number) => rec(topics.items, key, JSON.stringify({ product, qty }), offset)

  // First instance: window [0,10s) closes at 12 s; [10s,20s) has one click of `a` when it stops.
  const first = instance(app, topics, dirs[0]!)
  running.push(first)
  await first.start()
  await send([rec(topics.customers, 'c1', 'Alice', 0), rec(topics.customers, 'c2', 'Bob', 0), rec(topics.products, 'p1', 'Pen', 0), rec(topics.products, 'p2', 'Ink', 0)])
  // The table must hold the customers before the orders come, or the inner join drops them.
  await eventually(async () => first.store<string, string>('customers').get('c2') ?? null, (v) => v === 'Bob', 20_000, 'customers loaded')
  await send([click('a', 1_000), click('a', 2_000), click('b', 3_000), click('a', 12_000)])
  await send([rec(topics.orders, 'c1', 'pen order', 100), rec(topics.orders, 'c2', 'ink order', 200)])
  await send([item('i1', 'p1', 2, 0), item('i2', 'p2', 5, 0)])
  await eventually(() => finalCounts(topics.finalCounts), (v) => v.length === 2, 20_000, 'first windows final')
  await eventually(() => latestRows(topics.fkOut), (v) => v.length === 2, 20_000, 'first FK results')
  await eventually(() => strings(topics.enriched), (v) => v.length === 2, 20_000, 'first join results')
  assert.equal(await first.close({ timeoutMs: 15_000 }), true)
  running.pop()

  // Second instance, same applicationId, empty state directory: stores and the suppression buffer come back from their changelogs.
  const second = instance(app, topics, dirs[1]!)
  running.push(second)
  await second.start()
  await eventually(async () => second.store<string, string>('customers').get('c1') ?? null, (v) => v === 'Alice', 30_000, 'customers restored')
  await send([rec(topics.customers, 'c2', 'Bobby', 300)])
  await eventually(async () => second.store<string, string>('customers').get('c2') ?? null, (v) => v === 'Bobby', 20_000, 'customer updated')
  await send([rec(topics.orders, 'c2', 'pad order', 400), rec(topics.orders, 'c3', 'lost order', 400), rec(topics.orders, 'c1', 'pencil order', 500)])
  // `a` reaches 2 in [10s,20s) only if the restored buffer and store kept the first click; 25 s closes the window.
  await send([click('a', 15_000), click('b', 16_000), click('c', 25_000)])
  // A changed foreign key, a product rename and a new row; the deleted item leaves the result.
  await send([item('i1', 'p2', 2, 100), rec(topics.products, 'p2', 'Ink2', 100), item('i3', 'p1', 1, 100), rec(topics.items, 'i2', null, 100)])

  const expectedFinal = [`a@${base} 2`, `b@${base} 1`, `a@${base + WINDOW} 2`, `b@${base + WINDOW} 1`]
  const final = await eventually(() => finalCounts(topics.finalCounts), (v) => v.length >= 4, 30_000, 'second windows final')
  const expectedFk = ['i1=2 x Ink2', 'i3=1 x Pen']
  await eventually(() => latestRows(topics.fkOut), (v) => JSON.stringify(v) === JSON.stringify(expectedFk), 30_000, 'FK results after the restart')
  const expectedJoin = ['c1=pen order for Alice', 'c2=ink order for Bob', 'c2=pad order for Bobby', 'c1=pencil order for Alice']
  const joined = await eventually(() => strings(topics.enriched), (v) => v.length >= 4, 30_000, 'join results after the restart')
  // Let a few more commits pass: nothing may be emitted twice or late.
  await new Promise((resolve) => setTimeout(resolve, 1_000))
  assert.deepEqual(await finalCounts(topics.finalCounts), expectedFinal, 'each window emitted exactly once, with its full count')
  assert.deepEqual(final, expectedFinal)
  assert.deepEqual(await strings(topics.enriched), expectedJoin, 'every order joined once; the one without a customer dropped')
  assert.deepEqual(joined, expectedJoin)
  assert.deepEqual(await latestRows(topics.fkOut), expectedFk)
})
