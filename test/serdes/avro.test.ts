import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import avsc from 'avsc'
import { Serdes } from '../../src/serdes/serdes.ts'
import type { SchemaRegistryClient } from '../../src/serdes/schema-registry.ts'
import { assertSerializationError } from './helpers.ts'

// Unit tests run against this in-memory stand-in for the registry's two calls; the real
// registry is exercised by avro-registry.integration.test.ts.
function memoryRegistry(firstId = 1) {
  const schemas = new Map<number, string>()
  const ids = new Map<string, number>() // global, by schema text, as the registry's ids are
  const subjects = new Map<string, Set<number>>()
  const calls = { getSchema: 0, register: 0, lookup: 0 }
  let nextId = firstId
  let down = false
  const client: SchemaRegistryClient = {
    async getSchema(id) {
      calls.getSchema++
      await new Promise((resolve) => setImmediate(resolve))
      if (down) throw new Error('connect ECONNREFUSED')
      const schema = schemas.get(id)
      if (schema === undefined) throw new Error(`Schema ${id} not found`)
      return schema
    },
    async register(subject, schema) {
      calls.register++
      let id = ids.get(schema)
      if (id === undefined) {
        id = nextId++
        ids.set(schema, id)
        schemas.set(id, schema)
      }
      subjects.set(subject, (subjects.get(subject) ?? new Set()).add(id))
      return id
    },
    async lookup(subject, schema) {
      calls.lookup++
      const id = ids.get(schema)
      if (id === undefined || !subjects.get(subject)?.has(id)) throw new Error(`Schema not found under ${subject}`)
      return id
    },
  }
  return { client, calls, subjects, setDown: (value: boolean) => (down = value) }
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

const paymentV2 = {
  ...paymentV1,
  fields: [...paymentV1.fields, { name: 'currency', type: 'string', default: 'EUR' }],
}

interface PaymentV1 {
  id: string
  amount: number
}
interface PaymentV2 extends PaymentV1 {
  currency: string
}

describe('Serdes.avro()', () => {
  it('writes the Confluent wire format: 0x00, 4-byte big-endian schema id, Avro binary', async () => {
    const registry = memoryRegistry(0x01020304)
    const serde = Serdes.avro<PaymentV1>({ registry: registry.client, schema: paymentV1, subject: 'payments-value' })
    await serde.configure()
    const value = { id: 'p1', amount: 1250 }
    const bytes = serde.serialize('payments', value)
    assert.deepEqual([...bytes.subarray(0, 5)], [0x00, 0x01, 0x02, 0x03, 0x04])
    assert.deepEqual(bytes.subarray(5), avsc.Type.forSchema(paymentV1).toBuffer(value))
    assert.equal(serde.name, 'Avro')
  })

  it('reads its own bytes without a fetch', async () => {
    const registry = memoryRegistry()
    const serde = Serdes.avro<PaymentV1>({ registry: registry.client, schema: paymentV1, subject: 's' })
    await serde.configure()
    const bytes = serde.serialize('t', { id: 'a', amount: -3 })
    assert.equal(serde.prepare('t', bytes), undefined)
    assert.deepEqual({ ...serde.deserialize('t', bytes) }, { id: 'a', amount: -3 })
    assert.equal(registry.calls.getSchema, 0)
  })

  it('registers under <topic>-value by default (TopicNameStrategy), <topic>-key with isKey', async () => {
    const registry = memoryRegistry()
    const values = Serdes.avro<PaymentV1>({ registry: registry.client, schema: paymentV1 })
    const keys = Serdes.avro<string>({ registry: registry.client, schema: 'string', isKey: true })
    await values.configure()
    assert.equal(registry.calls.register, 0, 'configure() cannot know the topic')
    assertSerializationError(() => values.serialize('payments', { id: 'a', amount: 1 }), /"payments-value"/, /prepareSerialize\("payments"\)/)
    await values.prepareSerialize('payments')
    await keys.prepareSerialize('payments')
    assert.deepEqual([...registry.subjects.keys()], ['payments-value', 'payments-key'])
    assert.equal(values.prepareSerialize('payments'), undefined, 'a second call has nothing to do')
    assert.equal(keys.deserialize('payments', keys.serialize('payments', 'k-1')), 'k-1')
  })

  it('takes a subject function', async () => {
    const registry = memoryRegistry()
    const serde = Serdes.avro({ registry: registry.client, schema: paymentV1, subject: (topic, isKey) => `${topic}.${isKey}` })
    await serde.prepareSerialize('orders')
    assert.deepEqual([...registry.subjects.keys()], ['orders.false'])
  })

  it('with autoRegister false, looks the schema up instead of registering it', async () => {
    const registry = memoryRegistry()
    const id = await registry.client.register('payments-value', JSON.stringify(paymentV1))
    const serde = Serdes.avro({ registry: registry.client, schema: paymentV1, autoRegister: false })
    await serde.prepareSerialize('payments')
    assert.equal(registry.calls.lookup, 1)
    assert.equal(registry.calls.register, 1)
    assert.equal(serde.serialize('payments', { id: 'x', amount: 1 }).readInt32BE(1), id)
    await assert.rejects(serde.prepareSerialize('other') ?? Promise.resolve(), /cannot look up schema kstreams\.test\.Payment under subject "other-value"/)
  })

  it('accepts the schema as an avsc Type or as JSON text', async () => {
    for (const schema of [avsc.Type.forSchema(paymentV1), JSON.stringify(paymentV1)]) {
      const serde = Serdes.avro<PaymentV1>({ registry: memoryRegistry().client, schema, subject: 's' })
      await serde.configure()
      assert.deepEqual({ ...serde.deserialize('t', serde.serialize('t', { id: 'a', amount: 2 })) }, { id: 'a', amount: 2 })
    }
  })

  it('reads data written with an older schema: prepare fetches the writer, new fields get defaults', async () => {
    const registry = memoryRegistry()
    const writer = Serdes.avro<PaymentV1>({ registry: registry.client, schema: paymentV1, subject: 'payments-value' })
    await writer.configure()
    const oldBytes = writer.serialize('payments', { id: 'p1', amount: 100 })

    const reader = Serdes.avro<PaymentV2>({ registry: registry.client, schema: paymentV2, subject: 'payments-value' })
    await reader.configure()
    assertSerializationError(() => reader.deserialize('payments', oldBytes), /schema id 1/, /not prepared/, /"payments"/)

    const pending = reader.prepare('payments', oldBytes)
    assert.ok(pending instanceof Promise)
    assert.equal(reader.prepare('payments', oldBytes), pending, 'concurrent prepares share one fetch')
    await pending
    assert.equal(reader.prepare('payments', oldBytes), undefined, 'the resolver is cached by id')
    assert.equal(registry.calls.getSchema, 1)
    assert.deepEqual({ ...reader.deserialize('payments', oldBytes) }, { id: 'p1', amount: 100, currency: 'EUR' })

    // And the new schema's own bytes carry the new id.
    const newBytes = reader.serialize('payments', { id: 'p2', amount: 5, currency: 'USD' })
    assert.equal(newBytes.readInt32BE(1), 2)
    assert.deepEqual({ ...reader.deserialize('payments', newBytes) }, { id: 'p2', amount: 5, currency: 'USD' })
  })

  it('reports a writer schema the reader cannot resolve, per record', async () => {
    const registry = memoryRegistry()
    const writer = Serdes.avro({ registry: registry.client, schema: paymentV1, subject: 'a' })
    await writer.configure()
    const bytes = writer.serialize('t', { id: 'p1', amount: 1 })
    const needsField = { ...paymentV1, fields: [...paymentV1.fields, { name: 'country', type: 'string' }] }
    const reader = Serdes.avro({ registry: registry.client, schema: needsField, subject: 'b' })
    await reader.prepare('t', bytes)
    for (let i = 0; i < 2; i++) {
      assertSerializationError(() => reader.deserialize('payments', bytes), /schema id 1 cannot be read as kstreams\.test\.Payment/, /"payments"/)
    }
  })

  it('rejects prepare when the registry fails, and asks again next time', async () => {
    const registry = memoryRegistry()
    const writer = Serdes.avro({ registry: registry.client, schema: paymentV1, subject: 'a' })
    await writer.configure()
    const bytes = writer.serialize('t', { id: 'p1', amount: 1 })
    const reader = Serdes.avro({ registry: registry.client, schema: paymentV2, subject: 'b' })
    registry.setDown(true)
    await assert.rejects(reader.prepare('t', bytes) ?? Promise.resolve(), /cannot fetch writer schema id 1 from the registry: connect ECONNREFUSED/)
    registry.setDown(false)
    await reader.prepare('t', bytes)
    assert.equal((reader.deserialize('t', bytes) as PaymentV2).currency, 'EUR')
  })

  it('refuses a wrong magic byte or a truncated header, with the topic', async () => {
    const serde = Serdes.avro({ registry: memoryRegistry().client, schema: paymentV1, subject: 's' })
    const wrongMagic = Buffer.from([0x01, 0, 0, 0, 1, 2, 0x61, 2])
    assert.equal(serde.prepare('t', wrongMagic), undefined, 'nothing to fetch; deserialize reports it')
    assertSerializationError(() => serde.deserialize('payments', wrongMagic), /magic byte 0x01/, /"payments"/)
    assertSerializationError(() => serde.deserialize('payments', Buffer.from([0, 0, 0])), /3 bytes/, /too short/, /"payments"/)
  })

  it('reports corrupt bodies and values that do not match the schema', async () => {
    const serde = Serdes.avro<PaymentV1>({ registry: memoryRegistry().client, schema: paymentV1, subject: 's' })
    await serde.configure()
    const bytes = serde.serialize('t', { id: 'p1', amount: 1 })
    assertSerializationError(() => serde.deserialize('t', bytes.subarray(0, bytes.length - 1)), /cannot decode/, /truncated/)
    assertSerializationError(
      () => serde.serialize('payments', { id: 7, amount: 'x' } as unknown as PaymentV1),
      /does not match schema kstreams\.test\.Payment/,
      /"payments"/,
      /id: 7 is not a valid string; amount: "x" is not a valid long/,
    )
  })

  it('serializes values larger than its scratch buffer', async () => {
    const serde = Serdes.avro<PaymentV1>({ registry: memoryRegistry().client, schema: paymentV1, subject: 's' })
    await serde.configure()
    const big = { id: 'x'.repeat(10_000), amount: 1 }
    const small = { id: 'y', amount: 2 }
    assert.equal(serde.deserialize('t', serde.serialize('t', big)).id.length, 10_000)
    assert.deepEqual({ ...serde.deserialize('t', serde.serialize('t', small)) }, small)
  })

  it('adapts a @kafkajs/confluent-schema-registry client (duck-typed)', async () => {
    const registered: Array<{ subject: string; schema: string }> = []
    const fakeConfluent = {
      decode: async () => undefined,
      getRegistryIdBySchema: async () => 9,
      register: async (schema: { type: string; schema: string }, opts: { subject: string }) => {
        assert.equal(schema.type, 'AVRO')
        registered.push({ subject: opts.subject, schema: schema.schema })
        return { id: 9 }
      },
      // The real client hands back a parsed avsc Type.
      getSchema: async () => avsc.Type.forSchema(paymentV1),
    }
    const writer = Serdes.avro({ registry: fakeConfluent as never, schema: paymentV1, subject: 'p-value' })
    await writer.configure()
    assert.deepEqual(registered, [{ subject: 'p-value', schema: JSON.stringify(paymentV1) }])
    const bytes = writer.serialize('p', { id: 'a', amount: 1 })
    const reader = Serdes.avro<PaymentV2>({ registry: fakeConfluent as never, schema: paymentV2, subject: 'q' })
    await reader.prepare('p', bytes)
    assert.equal(reader.deserialize('p', bytes).currency, 'EUR')
  })
})
