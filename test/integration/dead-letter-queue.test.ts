/**
 * Poison pills on the real broker and schema registry: each kind gives exactly one dead letter
 * with the right headers, the good records flow on, and the committed offsets pass the bad ones.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import avsc from 'avsc'
import type { ConsumerRecord } from '../../src/client/port.ts'
import type { ProcessorContext } from '../../src/processors/processor.ts'
import { Record } from '../../src/processors/record.ts'
import { KafkaStreams } from '../../src/runtime/kafka-streams.ts'
import { DeadLetterHeaders } from '../../src/runtime/task/dead-letter-queue.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { Stores } from '../../src/state/stores.ts'
import type { KeyValueStore } from '../../src/state/store.ts'
import { Topology } from '../../src/topology/topology.ts'
import { integrationServices, SCHEMA_REGISTRY_URL } from '../helpers/services.ts'
import { committedOffset, createTopics, deleteTopics, endOffset, fastKafka, produce, quietLogger, readAll, text, unique, waitFor } from './dlq/dlq-kafka.ts'

const services = await integrationServices()

type Order = { id: string; amount: number; poison?: boolean; inflate?: number; armPunctuator?: boolean }
const payment: avsc.Schema = { type: 'record', name: 'Payment', namespace: 'kstreams.dlq', fields: [{ name: 'id', type: 'string' }, { name: 'amount', type: 'long' }] }
// Same name, `amount` missing and no default in the reader: data written with it cannot be read as Payment.
const paymentWithoutAmount: avsc.Schema = { type: 'record', name: 'Payment', namespace: 'kstreams.dlq', fields: [{ name: 'id', type: 'string' }] }

/**
 * Two sub-topologies. JSON orders → `accept` (a throwing processor on `poison`; a store keyed by the
 * record key, which cannot take a null key; a stream-time punctuator that throws once when armed;
 * an output as big as `inflate` asks) → json-out. Avro payments → `describe` → avro-out.
 */
function poisonTopology(t: { jsonIn: string; jsonOut: string; avroIn: string; avroOut: string }): Topology {
  const registry = { host: SCHEMA_REGISTRY_URL }
  return new Topology()
    .addSource('json-source', t.jsonIn, { keySerde: Serdes.string(), valueSerde: Serdes.json<Order>() })
    .addProcessor('accept', () => {
      let ctx: ProcessorContext<string, Order & { blob?: string }>
      let totals: KeyValueStore<string, number>
      let armed = false
      return {
        init(c: ProcessorContext<string, Order & { blob?: string }>) {
          ctx = c
          totals = c.getStateStore('totals')
          c.schedule(1, 'stream-time', () => {
            if (!armed) return
            armed = false
            throw new Error('the punctuator broke')
          })
        },
        process(r: Record<string, Order>) {
          if (r.value.poison) throw new RangeError(`order ${r.value.id} is poison`)
          totals.put(r.key, (totals.get(r.key) ?? 0) + r.value.amount) // a null key is refused here
          if (r.value.armPunctuator) armed = true
          const out = r.value.inflate ? { ...r.value, blob: 'x'.repeat(r.value.inflate) } : r.value
          ctx.forward(r.withValue(out))
        },
      }
    }, 'json-source')
    .addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('totals'), Serdes.string(), Serdes.long()).withLoggingDisabled(), 'accept')
    .addSink('json-sink', t.jsonOut, { keySerde: Serdes.string(), valueSerde: Serdes.json() }, 'accept')
    .addSource('avro-source', t.avroIn, { keySerde: Serdes.string(), valueSerde: Serdes.avro<{ id: string; amount: number }>({ registry, schema: payment }) })
    .addProcessor('describe', () => {
      let ctx: ProcessorContext<string, string>
      return {
        init: (c: ProcessorContext<string, string>) => void (ctx = c),
        process: (r: Record<string, { id: string; amount: number }>) => ctx.forward(new Record(r.key, `${r.value.id}:${r.value.amount}`, r.timestamp, r.headers)),
      }
    }, 'avro-source')
    .addSink('avro-sink', t.avroOut, { keySerde: Serdes.string(), valueSerde: Serdes.string() }, 'describe')
}

const h = (r: ConsumerRecord, name: string): string | undefined => r.headers[name]?.toString()

describe('dead-letter queue on the real broker and registry', () => {
  const applicationId = unique('poison')
  const topics = { jsonIn: unique('json-in'), jsonOut: unique('json-out'), avroIn: unique('avro-in'), avroOut: unique('avro-out') }
  const dlq = `${applicationId}-dlq`
  let streams: KafkaStreams | undefined
  before(async () => {
    if (!services.ready()) return
    await createTopics(Object.values(topics))
  })
  after(async () => {
    if (services.skip) return
    await streams?.close({ timeoutMs: 10_000 })
    await deleteTopics([...Object.values(topics), dlq])
  })

  test('each poison pill gives one dead letter with its headers; good records flow on; offsets pass the bad ones', { skip: services.skip, timeout: 60_000 }, async () => {
    const registry = new SchemaRegistry({ host: SCHEMA_REGISTRY_URL })
    const { id: goodId } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(payment) }, { subject: `${topics.avroIn}-value` })
    const { id: otherId } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(paymentWithoutAmount) }, { subject: `${topics.avroIn}-other-value` })
    const wire = (id: number, body: Buffer) => Buffer.concat([Buffer.from([0]), Buffer.from([id >>> 24, (id >>> 16) & 255, (id >>> 8) & 255, id & 255]), body])
    const unknownId = 2_000_000_000 + Math.floor(Math.random() * 100_000_000)

    streams = new KafkaStreams(poisonTopology(topics), {
      applicationId,
      kafka: fastKafka(applicationId),
      logger: quietLogger(),
      commitIntervalMs: 100,
      pollMs: 50,
      deserializationExceptionHandler: 'dlq',
      processingExceptionHandler: 'dlq',
      productionExceptionHandler: 'dlq',
    })
    await streams.start()

    const t0 = Date.now()
    const order = (o: Order) => JSON.stringify(o)
    await produce(topics.jsonIn, [
      { key: 'g1', value: order({ id: 'g1', amount: 1 }), timestamp: t0 },
      { key: 'malformed', value: '{"id": "m", "amount": ', timestamp: t0 + 1 }, // offset 1: malformed JSON
      { key: 'p', value: order({ id: 'p', amount: 1, poison: true }), timestamp: t0 + 2 }, // 2: a throwing processor
      { key: null, value: order({ id: 'nokey', amount: 1 }), timestamp: t0 + 3 }, // 3: a null key the store refuses
      { key: 'g2', value: order({ id: 'g2', amount: 2 }), timestamp: t0 + 4 },
      { key: 'arm', value: order({ id: 'arm', amount: 1, armPunctuator: true }), timestamp: t0 + 5 }, // the punctuator then throws
      { key: 'big', value: order({ id: 'big', amount: 1, inflate: 1_100_000 }), timestamp: t0 + 6 }, // 6: output over 1 MiB
      { key: 'g3', value: order({ id: 'g3', amount: 3 }), timestamp: t0 + 7 },
    ])
    await produce(topics.avroIn, [
      { key: 'a1', value: await registry.encode(goodId, { id: 'a1', amount: 10 }) },
      { key: 'unknown', value: wire(unknownId, Buffer.from([2, 0x61])) }, // 1: an unknown schema id
      { key: 'incompatible', value: wire(otherId, avsc.Type.forSchema(paymentWithoutAmount).toBuffer({ id: 'i' })) }, // 2
      { key: 'a2', value: await registry.encode(goodId, { id: 'a2', amount: 20 }) },
    ])

    const dead = await waitFor('seven dead letters', async () => {
      const records = await readAll(dlq)
      return records.length >= 7 && records
    })
    const jsonOut = await waitFor('the good JSON orders', async () => {
      const records = await readAll(topics.jsonOut)
      return records.length >= 4 && records
    })
    const avroOut = await waitFor('the good payments', async () => {
      const records = await readAll(topics.avroOut)
      return records.length >= 2 && records
    })
    // Everything is committed, the bad records included.
    const jsonEnd = await endOffset(topics.jsonIn)
    const avroEnd = await endOffset(topics.avroIn)
    await waitFor('offsets committed past the bad records', async () =>
      (await committedOffset(applicationId, topics.jsonIn)) === jsonEnd && (await committedOffset(applicationId, topics.avroIn)) === avroEnd)
    assert.equal(jsonEnd, 8)
    assert.equal(avroEnd, 4)

    assert.deepEqual(jsonOut.map((r) => JSON.parse(r.value!.toString()).id), ['g1', 'g2', 'arm', 'g3'])
    assert.deepEqual(text(avroOut), ['a1:10', 'a2:20'])
    assert.equal((await readAll(dlq)).length, 7, 'exactly one dead letter per poison pill')

    const byKind = new Map(dead.map((r) => [`${h(r, DeadLetterHeaders.node)}/${h(r, DeadLetterHeaders.offset) ?? '-'}/${h(r, DeadLetterHeaders.topic) ?? '-'}`, r]))
    const expect = (node: string, offset: string, topic: string, exception: string, message: RegExp, key: string | null, value?: RegExp) => {
      const r = byKind.get(`${node}/${offset}/${topic}`)
      assert.ok(r, `a dead letter from ${node} for ${topic}@${offset}; got ${[...byKind.keys()].join(', ')}`)
      assert.equal(h(r, DeadLetterHeaders.exception), exception, `${node}@${offset}`)
      assert.match(h(r, DeadLetterHeaders.message)!, message)
      assert.match(h(r, DeadLetterHeaders.stacktrace)!, new RegExp(exception))
      assert.equal(r.key?.toString() ?? null, key)
      if (value) assert.match(r.value!.toString(), value)
      if (topic !== '-') assert.equal(h(r, DeadLetterHeaders.partition), '0')
      assert.match(h(r, DeadLetterHeaders.taskId)!, /^[01]_0$/)
    }
    expect('json-source', '1', topics.jsonIn, 'SerializationError', /JSON/i, 'malformed', /^\{"id": "m"/)
    expect('accept', '2', topics.jsonIn, 'RangeError', /order p is poison/, 'p')
    expect('accept', '3', topics.jsonIn, 'SerializationError', /cannot serialize null/, null, /"nokey"/)
    expect('accept', '-', '-', 'Error', /the punctuator broke/, null)
    expect('json-sink', '6', topics.jsonIn, 'RecordTooLargeError', /larger than maxRequestSize \(1048576\)/, 'big', /"inflate":1100000/)
    expect('avro-source', '1', topics.avroIn, 'SerializationError', new RegExp(`unknown writer schema id ${unknownId}`), 'unknown')
    expect('avro-source', '2', topics.avroIn, 'SerializationError', new RegExp(`schema id ${otherId} cannot be read`), 'incompatible')
    assert.equal(dead.find((r) => h(r, DeadLetterHeaders.node) === 'json-sink')!.value!.length < 200, true, 'a production error dead-letters the input record, not the output')
    await streams.close({ timeoutMs: 10_000 })
  })
})
