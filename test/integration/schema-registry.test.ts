/**
 * Avro through @kafkajs/confluent-schema-registry against the real registry (Apicurio's
 * Confluent-compatible API): register, encode/decode, evolve with a defaulted field, and read
 * old bytes with the new reader schema.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import { uniqueName } from '../helpers/kafka.ts'
import { integrationServices, SCHEMA_REGISTRY_URL } from '../helpers/services.ts'

const services = await integrationServices()

const v1 = {
  type: 'record' as const,
  name: 'Payment',
  namespace: 'kstreams.test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amount', type: 'long' },
  ],
}
const v2 = { ...v1, fields: [...v1.fields, { name: 'currency', type: 'string', default: 'EUR' }] }
// A new field without a default cannot read v2 data: BACKWARD compatibility must refuse it.
const incompatible = { ...v1, fields: [...v1.fields, { name: 'mandatory', type: 'string' }] }

describe('schema registry (Avro)', () => {
  const registry = new SchemaRegistry({ host: SCHEMA_REGISTRY_URL })
  const subject = `${uniqueName('payments')}-value`
  before(() => void services.ready())
  after(async () => {
    if (services.skip) return
    // Soft then hard delete, as the Confluent API requires; a leftover subject is harmless (in-memory registry).
    const url = `${SCHEMA_REGISTRY_URL}/subjects/${encodeURIComponent(subject)}`
    await fetch(url, { method: 'DELETE' }).catch(() => undefined)
    await fetch(`${url}?permanent=true`, { method: 'DELETE' }).catch(() => undefined)
  })

  test('register, encode, decode; evolve; old bytes decode with the new reader schema', { skip: services.skip }, async () => {
    const { id: id1 } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, { subject })
    const bytes = await registry.encode(id1, { id: 'p-1', amount: 1250 })
    // Confluent wire format: magic byte 0, then the 4-byte schema id.
    assert.equal(bytes[0], 0)
    assert.equal(bytes.readInt32BE(1), id1)
    assert.deepEqual({ ...(await registry.decode(bytes)) }, { id: 'p-1', amount: 1250 })

    const { id: id2 } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v2) }, { subject })
    assert.notEqual(id2, id1)
    assert.equal(await registry.getLatestSchemaId(subject), id2)

    const upgraded = await registry.decode(bytes, { [SchemaType.AVRO]: { readerSchema: v2 } })
    assert.deepEqual({ ...upgraded }, { id: 'p-1', amount: 1250, currency: 'EUR' })
    // Without a reader schema the writer's (v1) shape comes back unchanged.
    assert.deepEqual({ ...(await registry.decode(bytes)) }, { id: 'p-1', amount: 1250 })
  })

  test('an incompatible change (new field without default) is refused under BACKWARD', { skip: services.skip }, async () => {
    await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, { subject: `${subject}-strict` })
    await assert.rejects(
      registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(incompatible) }, { subject: `${subject}-strict` }),
      (error: Error) => /compatib|409/i.test(`${error.message} ${(error as { status?: number }).status ?? ''}`),
    )
    await fetch(`${SCHEMA_REGISTRY_URL}/subjects/${encodeURIComponent(`${subject}-strict`)}`, { method: 'DELETE' }).catch(() => undefined)
  })
})
