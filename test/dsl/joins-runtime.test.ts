import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createEmbeddedKafka, type EmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { silentLogger } from '../../src/instrumentation/logger.ts'
import { TopicLayoutError } from '../../src/runtime/errors.ts'
import { KafkaStreams } from '../../src/runtime/kafka-streams.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import type { Topology } from '../../src/topology/topology.ts'
import { closeAfter, tempStateDir, waitFor } from '../runtime/helpers.ts'
import { subscribeDropped } from './join-semantics.ts'

const str = Serdes.string()

function app(topology: Topology, kafka: EmbeddedKafka, stateDir: string, applicationId = 'joins'): KafkaStreams {
  return new KafkaStreams(topology, { applicationId, client: kafka, stateDir, logger: silentLogger, pollMs: 10, commitIntervalMs: 20 })
}

async function produce(kafka: EmbeddedKafka, topic: string, records: ReadonlyArray<readonly [string, string | null]>): Promise<void> {
  const producer = kafka.producer({})
  await producer.connect()
  await producer.send(records.map(([k, v], i) => ({ topic, key: Buffer.from(k), value: v === null ? null : Buffer.from(v), timestamp: 1000 + i })))
  await producer.close()
}

function latest(kafka: EmbeddedKafka, topic: string): Map<string, string | null> {
  const out = new Map<string, string | null>()
  for (const r of kafka.records(topic)) out.set(r.key!.toString(), r.value === null ? null : r.value.toString())
  return out
}

function enrichOrders(rekey: boolean): Topology {
  const b = new StreamsBuilder()
  const customers = b.table('customers', { key: str, value: str })
  const orders = b.stream('orders', { key: str, value: str })
  const byCustomer = rekey ? orders.selectKey((_order, customer) => customer) : orders
  byCustomer.join(customers, (order, name) => `${order} for ${name}`).to('enriched', { key: str, value: str })
  return b.build()
}

test('a stream-table join over topics with different partition counts fails to start with a clear error', async (t) => {
  using state = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic('orders', 3)
  kafka.createTopic('customers', 4)
  const streams = app(enrichOrders(false), kafka, state.dir)
  closeAfter(t, streams)
  await assert.rejects(streams.start(), (error: unknown) => {
    assert.ok(error instanceof TopicLayoutError)
    assert.match(error.message, /Topics not co-partitioned: \[customers=4, orders=3\]/)
    return true
  })
  assert.equal(streams.state, 'ERROR')
})

test('a re-keyed stream is repartitioned to the table\'s partition count and joins on every partition', async (t) => {
  using state = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic('orders', 2)
  kafka.createTopic('customers', 4)
  kafka.createTopic('enriched', 1)
  const customers = Array.from({ length: 12 }, (_, i) => [`c${i}`, `name${i}`] as const)
  await produce(kafka, 'customers', customers)
  const streams = app(enrichOrders(true), kafka, state.dir)
  closeAfter(t, streams)
  await streams.start()
  // Send orders once the table is loaded: a stream-table join looks up the current row.
  const loaded = (): boolean => {
    try {
      const store = streams.store<string, string>('customers-STATE-STORE-0000000000')
      return customers.every(([c]) => store.get(c) !== undefined)
    } catch {
      return false
    }
  }
  await waitFor(loaded, 5000, 'customers table loaded')
  await produce(kafka, 'orders', customers.map(([c], i) => [`order${i}`, c]))
  await waitFor(() => kafka.records('enriched').length === 12, 5000, 'enriched orders')
  assert.equal(kafka.describeTopic('joins-KSTREAM-KEY-SELECT-0000000004-repartition')?.numPartitions, 4)
  assert.deepEqual([...latest(kafka, 'enriched')].sort(), customers.map(([c], i) => [c, `c${i} for name${i}`]).sort())
})

// The subscription and response topics feed each other's writers, so their partition counts are
// worked out Kafka's way (largest count known so far, then co-partitioning).
test('a foreign-key join across partitions: right to the end after quick foreign-key changes, stale answers dropped', async (t) => {
  using state = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic('orders', 3)
  kafka.createTopic('products', 2)
  kafka.createTopic('lines', 1)
  const b = new StreamsBuilder()
  const products = b.table('products', { key: str, value: str })
  b.table('orders', { key: str, value: str })
    .join(products, (productId) => productId, (productId, name) => `${productId}:${name}`)
    .toStream()
    .to('lines', { key: str, value: str })
  await produce(kafka, 'products', Array.from({ length: 6 }, (_, i) => [`p${i}`, `product ${i}`] as const))
  // Each order changes its product twice before any answer can come back.
  const orders: Array<readonly [string, string | null]> = []
  for (let i = 0; i < 10; i++) orders.push([`o${i}`, `p${i % 6}`], [`o${i}`, `p${(i + 1) % 6}`], [`o${i}`, `p${(i + 2) % 6}`])
  orders.push(['o9', null])
  await produce(kafka, 'orders', orders)
  const streams = app(b.build(), kafka, state.dir, 'fk')
  closeAfter(t, streams)
  const dropped = subscribeDropped()
  await streams.start()
  const expected = new Map<string, string | null>(Array.from({ length: 9 }, (_, i) => [`o${i}`, `p${(i + 2) % 6}:product ${(i + 2) % 6}`]))
  expected.set('o9', null)
  await waitFor(() => JSON.stringify([...latest(kafka, 'lines')].sort()) === JSON.stringify([...expected].sort()), 5000, 'join results')
  dropped.stop()
  assert.ok(dropped.records.some((d) => d.reason.startsWith('Dropping foreign-key join response')), 'answers to replaced values are dropped')
  assert.ok(kafka.records('fk-KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000006-topic').length > 0)
})

