import { before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { silentLogger } from '../../src/instrumentation/logger.ts'
import { KafkaStreams } from '../../src/runtime/kafka-streams.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { SerializationError } from '../../src/serdes/serde.ts'
import { SCHEMA_REGISTRY_URL } from '../helpers/services.ts'

// Against a real Confluent-compatible registry (Apicurio's ccompat API in this project; start it
// with `npm run services:start`). Skipped when it does not answer, except under CI=true, where
// a missing registry is a failure.
const url = SCHEMA_REGISTRY_URL

async function unreachable(): Promise<string | undefined> {
  try {
    const res = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(2000) })
    await res.body?.cancel()
    return res.ok ? undefined : `HTTP ${res.status}`
  } catch (err) {
    return (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message
  }
}

const problem = await unreachable()
const skip = problem !== undefined && process.env.CI !== 'true' ? `schema registry not reachable at ${url} (${problem})` : false

const paymentV1 = {
  type: 'record' as const,
  name: 'Payment',
  namespace: 'kstreams.it',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amount', type: 'long' },
  ],
}
const paymentV2 = { ...paymentV1, fields: [...paymentV1.fields, { name: 'currency', type: 'string', default: 'EUR' }] }

interface PaymentV2 {
  id: string
  amount: number
  currency: string
}

describe('Avro serde with a real schema registry', { skip }, () => {
  const topic = `kstreams-it-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`
  const subject = `${topic}-value`

  before(() => {
    if (problem !== undefined) throw new Error(`schema registry not reachable at ${url} (${problem}); CI=true requires it`)
  })

  it('registers v1, evolves to v2 with a defaulted field, and reads v1 bytes through v2', async () => {
    // v1 through connection settings: the serde builds its own client.
    const v1 = Serdes.avro({ registry: { host: url }, schema: paymentV1 })
    await v1.configure()
    await v1.prepareSerialize(topic)
    const oldBytes = v1.serialize(topic, { id: 'p-1', amount: 4200 })
    const v1Id = oldBytes.readInt32BE(1)
    assert.equal(oldBytes[0], 0)

    // Another Confluent client decodes our bytes: the wire format is the shared one.
    const registry = new SchemaRegistry({ host: url })
    assert.deepEqual({ ...(await registry.decode(oldBytes)) }, { id: 'p-1', amount: 4200 })
    assert.equal(await registry.getLatestSchemaId(subject), v1Id)

    // v2 through a client instance; registering it under the same subject passes BACKWARD.
    const v2 = Serdes.avro<PaymentV2>({ registry, schema: paymentV2 })
    await v2.configure()
    await v2.prepareSerialize(topic)
    const newBytes = v2.serialize(topic, { id: 'p-2', amount: 1, currency: 'USD' })
    const v2Id = newBytes.readInt32BE(1)
    assert.notEqual(v2Id, v1Id)
    assert.equal(await registry.getLatestSchemaId(subject), v2Id)

    // A fresh v2 reader has never seen v1: prepare fetches it by id, then reads synchronously.
    const reader = Serdes.avro<PaymentV2>({ registry: { host: url }, schema: paymentV2 })
    await reader.configure()
    assert.throws(() => reader.deserialize(topic, oldBytes), SerializationError)
    const pending = reader.prepare(topic, oldBytes)
    assert.ok(pending instanceof Promise)
    await pending
    assert.equal(reader.prepare(topic, oldBytes), undefined)
    assert.deepEqual({ ...reader.deserialize(topic, oldBytes) }, { id: 'p-1', amount: 4200, currency: 'EUR' })
    await reader.prepare(topic, newBytes)
    assert.deepEqual({ ...reader.deserialize(topic, newBytes) }, { id: 'p-2', amount: 1, currency: 'USD' })
  })

  it('surfaces the registry refusing an incompatible schema', async () => {
    const v1 = Serdes.avro({ registry: { host: url }, schema: paymentV1, subject: `${topic}-strict` })
    await v1.configure()
    // A new field without a default breaks BACKWARD compatibility.
    const breaking = { ...paymentV1, fields: [...paymentV1.fields, { name: 'country', type: 'string' }] }
    const v2 = Serdes.avro({ registry: { host: url }, schema: breaking, subject: `${topic}-strict` })
    await assert.rejects(v2.configure(), (err: unknown) => {
      assert.ok(err instanceof SerializationError)
      assert.match(err.message, /cannot register schema kstreams\.it\.Payment under subject ".*-strict"/)
      return true
    })
  })

  it('runs stream(avro).mapValues(...).to(avro) on the embedded engine against the real registry', async (t) => {
    const input = `${topic}-in`
    const output = `${topic}-out`
    const stateDir = mkdtempSync(join(tmpdir(), 'kstreams-avro-it-'))
    t.after(() => rmSync(stateDir, { recursive: true, force: true }))
    const kafka = createEmbeddedKafka()
    kafka.createTopic(input, 1)
    kafka.createTopic(output, 1)
    const builder = new StreamsBuilder()
    builder
      .stream(input, { key: Serdes.string(), value: Serdes.avro<PaymentV2>({ registry: { host: url }, schema: paymentV2 }) })
      .mapValues((p) => ({ ...p, amount: p.amount * 100 }))
      .to(output, { key: Serdes.string(), value: Serdes.avro<PaymentV2>({ registry: { host: url }, schema: paymentV2 }) })
    const streams = new KafkaStreams(builder.build(), { applicationId: `${topic}-app`, client: kafka, stateDir, logger: silentLogger, commitIntervalMs: 20, pollMs: 10 })
    t.after(() => streams.close({ timeoutMs: 5000 }).then(() => undefined))
    let failure: unknown
    streams.on('error', (error) => (failure = error))
    await streams.start()

    // Written by an older producer (v1), read through v2 by the topology.
    const writer = Serdes.avro({ registry: { host: url }, schema: paymentV1 })
    await writer.prepareSerialize(input)
    const producer = kafka.producer({})
    await producer.connect()
    await producer.send([{ topic: input, key: Buffer.from('k'), value: writer.serialize(input, { id: 'p-9', amount: 3 }), timestamp: 1 }])
    await producer.close()

    const deadline = Date.now() + 10_000
    while (failure === undefined && kafka.records(output).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    assert.equal(failure, undefined)
    const [record] = kafka.records(output)
    assert.ok(record?.value, 'one output record')
    const registry = new SchemaRegistry({ host: url })
    assert.deepEqual({ ...(await registry.decode(record.value)) }, { id: 'p-9', amount: 300, currency: 'EUR' })
    assert.equal(record.value.readInt32BE(1), await registry.getLatestSchemaId(`${output}-value`))
  })
})
