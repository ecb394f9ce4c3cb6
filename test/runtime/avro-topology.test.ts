import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { silentLogger } from '../../src/instrumentation/logger.ts'
import { KafkaStreams } from '../../src/runtime/kafka-streams.ts'
import type { SchemaRegistryClient } from '../../src/serdes/schema-registry.ts'
import type { Serde } from '../../src/serdes/serde.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { TopologyTestDriver } from '../../src/testing/topology-test-driver.ts'
import { closeAfter, tempStateDir, waitFor } from './helpers.ts'

// A registry stand-in implementing the serde's client interface: ids are global by schema text.
function memoryRegistry() {
  const schemas = new Map<number, string>()
  const ids = new Map<string, number>()
  const subjects = new Map<string, Set<number>>()
  const client: SchemaRegistryClient = {
    async getSchema(id) {
      await new Promise((resolve) => setImmediate(resolve))
      const schema = schemas.get(id)
      if (schema === undefined) throw new Error(`Schema ${id} not found`)
      return schema
    },
    async register(subject, schema) {
      await new Promise((resolve) => setImmediate(resolve))
      let id = ids.get(schema)
      if (id === undefined) {
        id = ids.size + 1
        ids.set(schema, id)
        schemas.set(id, schema)
      }
      subjects.set(subject, (subjects.get(subject) ?? new Set()).add(id))
      return id
    },
  }
  return { client, subjects }
}

const paymentV1 = {
  type: 'record' as const,
  name: 'Payment',
  namespace: 'kstreams.test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amount', type: 'long' },
  ],
}
const paymentV2 = { ...paymentV1, fields: [...paymentV1.fields, { name: 'currency', type: 'string', default: 'EUR' }] }
const total = { type: 'record' as const, name: 'Total', namespace: 'kstreams.test', fields: [{ name: 'sum', type: 'long' }, { name: 'count', type: 'int' }] }

/** avsc decodes records into instances of generated classes; compare their fields. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown
}

interface Payment {
  id: string
  amount: number
  currency: string
}
interface Total {
  sum: number
  count: number
}

/** payments (v2 reader) → doubled amounts to `doubled`, and per-key totals (Avro store, changelog) to `totals`. */
function topology(registry: SchemaRegistryClient, options: { extractor?: boolean; source?: Serde<Payment> } = {}) {
  const { extractor = false, source = Serdes.avro<Payment>({ registry, schema: paymentV2 }) } = options
  const builder = new StreamsBuilder()
  const payments = builder.stream('payments', { key: Serdes.string(), value: source })
  const doubled = payments.mapValues((p) => ({ ...p, amount: p.amount * 2 }))
  const out = Serdes.avro<Payment>({ registry, schema: paymentV2 })
  if (extractor) doubled.to((r) => `doubled-${r.value.currency}`, { key: Serdes.string(), value: out })
  else doubled.to('doubled', { key: Serdes.string(), value: out })
  payments
    .groupByKey()
    .aggregate((): Total => ({ sum: 0, count: 0 }), (_k, p, agg) => ({ sum: agg.sum + p.amount, count: agg.count + 1 }), {
      storeName: 'totals-store',
      storeType: 'memory',
      value: Serdes.avro<Total>({ registry, schema: total }),
    })
    .toStream()
    .to('totals', { key: Serdes.string(), value: Serdes.avro<Total>({ registry, schema: total }) })
  return builder.build()
}

test('an Avro topology runs on the embedded engine: sources read older writer schemas, sinks and store changelogs register theirs', async (t) => {
  using state = tempStateDir()
  const registry = memoryRegistry()
  const kafka = createEmbeddedKafka()
  kafka.createTopic('payments', 1)
  kafka.createTopic('doubled', 1)
  kafka.createTopic('totals', 1)
  const streams = new KafkaStreams(topology(registry.client), {
    applicationId: 'avro-app',
    client: kafka,
    stateDir: state.dir,
    logger: silentLogger,
    commitIntervalMs: 20,
    pollMs: 10,
  })
  closeAfter(t, streams)
  let failure: unknown
  streams.on('error', (error) => (failure = error))
  await streams.start()

  // An upstream producer writing the older v1 schema, with its own serde instance.
  const writer = Serdes.avro<{ id: string; amount: number }>({ registry: registry.client, schema: paymentV1 })
  await writer.prepareSerialize('payments')
  const producer = kafka.producer({})
  await producer.connect()
  await producer.send([
    { topic: 'payments', key: Buffer.from('alice'), value: writer.serialize('payments', { id: 'p1', amount: 10 }), timestamp: 1 },
    { topic: 'payments', key: Buffer.from('alice'), value: writer.serialize('payments', { id: 'p2', amount: 5 }), timestamp: 2 },
    { topic: 'payments', key: Buffer.from('bob'), value: writer.serialize('payments', { id: 'p3', amount: 7 }), timestamp: 3 },
  ])
  await producer.close()

  await waitFor(() => failure !== undefined || (kafka.records('doubled').length === 3 && kafka.records('totals').length === 3), 5000, 'outputs')
  assert.equal(failure, undefined)
  assert.equal(streams.state, 'RUNNING')

  const reader = Serdes.avro<Payment>({ registry: registry.client, schema: paymentV2 })
  const doubled = []
  for (const r of kafka.records('doubled')) {
    await reader.prepare('doubled', r.value!)
    doubled.push([r.key!.toString(), plain(reader.deserialize('doubled', r.value!))])
  }
  assert.deepEqual(doubled, [
    ['alice', { id: 'p1', amount: 20, currency: 'EUR' }],
    ['alice', { id: 'p2', amount: 10, currency: 'EUR' }],
    ['bob', { id: 'p3', amount: 14, currency: 'EUR' }],
  ])
  const totals = Serdes.avro<Total>({ registry: registry.client, schema: total })
  const seen = []
  for (const r of kafka.records('totals')) {
    await totals.prepare('totals', r.value!)
    seen.push([r.key!.toString(), plain(totals.deserialize('totals', r.value!))])
  }
  assert.deepEqual(seen, [
    ['alice', { sum: 10, count: 1 }],
    ['alice', { sum: 15, count: 2 }],
    ['bob', { sum: 7, count: 1 }],
  ])
  // Subjects follow TopicNameStrategy, the store's under its changelog topic, as in Kafka Streams.
  assert.deepEqual([...registry.subjects.keys()].sort(), ['avro-app-totals-store-changelog-value', 'doubled-value', 'payments-value', 'totals-value'])
  assert.equal(kafka.records('avro-app-totals-store-changelog').length, 3)
  assert.deepEqual(plain(streams.store<string, Total>('totals-store').get('alice')), { sum: 15, count: 2 })
  assert.equal(await streams.close({ timeoutMs: 5000 }), true)
})

test('TopologyTestDriver: the constructor refuses serdes that need async preparation; create() prepares them', async () => {
  const registry = memoryRegistry()
  assert.throws(() => new TopologyTestDriver(topology(registry.client)), /needs asynchronous preparation.*await TopologyTestDriver\.create/)

  // The usual test set-up: one serde instance shared by the topology and the test's input topic.
  const paymentSerde = Serdes.avro<Payment>({ registry: registry.client, schema: paymentV2 })
  const driver = await TopologyTestDriver.create(topology(registry.client, { source: paymentSerde }), { applicationId: 'avro-driver' })
  try {
    const writer = Serdes.avro<{ id: string; amount: number }>({ registry: registry.client, schema: paymentV1 })
    await writer.prepareSerialize('payments')
    const input = driver.createInputTopic('payments', Serdes.string(), writer)
    // The topology has never seen the v1 writer schema and the driver cannot wait for its fetch.
    assert.throws(() => input.pipeInput('alice', { id: 'p1', amount: 10 }), /needs a serde to fetch something first/)

    await paymentSerde.prepareSerialize('payments')
    driver.createInputTopic('payments', Serdes.string(), paymentSerde).pipeInput('bob', { id: 'p2', amount: 4, currency: 'USD' })
    const out = driver.createOutputTopic('doubled', Serdes.string(), paymentSerde)
    assert.deepEqual(plain(out.readKeyValue()), { key: 'bob', value: { id: 'p2', amount: 8, currency: 'USD' } })
    assert.deepEqual(plain(driver.getKeyValueStore('totals-store').get('bob')), { sum: 4, count: 1 })
    assert.ok(registry.subjects.has('avro-driver-totals-store-changelog-value'))
  } finally {
    driver.close()
  }
})

test('a sink with a topic name extractor fails a record with a clear error when its Avro serde is not prepared for the chosen topic', async () => {
  const registry = memoryRegistry()
  const serde = Serdes.avro<Payment>({ registry: registry.client, schema: paymentV2 })
  const driver = await TopologyTestDriver.create(topology(registry.client, { extractor: true, source: serde }))
  try {
    await serde.prepareSerialize('payments')
    const input = driver.createInputTopic('payments', Serdes.string(), serde)
    assert.throws(
      () => input.pipeInput('carol', { id: 'p4', amount: 1, currency: 'CHF' }),
      (error: Error) => /Sink "[^"]+": the value serde \(Avro\) is not prepared for topic "doubled-CHF"/.test(String((error as { cause?: Error }).cause?.message ?? error.message)),
    )
  } finally {
    driver.close()
  }
})
