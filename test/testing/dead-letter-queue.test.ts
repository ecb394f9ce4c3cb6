import assert from 'node:assert/strict'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { test } from 'node:test'
import type { ProcessorContext } from '../../src/processors/processor.ts'
import { Record } from '../../src/processors/record.ts'
import { DEAD_LETTER_CHANNEL, DeadLetterHeaders, type DeadLetterMessage } from '../../src/runtime/task/dead-letter-queue.ts'
import { DeserializationError, ProcessingError, ProductionError } from '../../src/runtime/task/errors.ts'
import type { ErrorHandlerContext, ErrorPolicy } from '../../src/runtime/task/task-config.ts'
import type { Serde } from '../../src/serdes/serde.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { Topology } from '../../src/topology/topology.ts'
import { TestRecord, TopologyTestDriver, type TopologyTestDriverOptions } from '../../src/testing/index.ts'

type Order = { id: string; amount: number; blob?: string; poison?: boolean; unwritable?: boolean }

const quiet = { warn() {} }
const bytes = Serdes.bytes()
const str = Serdes.string()

/** Writes an order's JSON, but refuses one marked `unwritable` (a serializer that rejects a value). */
const orderOut: Serde<Order> = {
  name: 'OrderOut',
  serialize(topic, order) {
    if (order.unwritable) throw new Error('cannot serialize an unwritable order')
    return Serdes.json<Order>().serialize(topic, order)
  },
  deserialize: (topic, data) => Serdes.json<Order>().deserialize(topic, data),
}

/** in (JSON) → check (throws on `poison`; punctuates every 10 s of stream time) → out. */
function orders(punctuatorThrows = false): Topology {
  return new Topology()
    .addSource('orders-source', 'orders', { keySerde: str, valueSerde: Serdes.json<Order>() })
    .addProcessor('check', () => {
      let ctx: ProcessorContext<string, Order>
      return {
        init(c: ProcessorContext<string, Order>) {
          ctx = c
          if (punctuatorThrows) c.schedule(10_000, 'stream-time', (t) => { if (t >= 10_000) throw new Error(`punctuator broke at ${t}`) })
        },
        process(r: Record<string, Order>) {
          if (r.value.poison) throw new TypeError(`poison order ${r.value.id}`)
          ctx.forward(r)
        },
      }
    }, 'orders-source')
    .addSink('orders-sink', 'checked', { keySerde: str, valueSerde: orderOut }, 'check')
}

function run(options: TopologyTestDriverOptions, topology = orders()) {
  const driver = new TopologyTestDriver(topology, { applicationId: 'shop', logger: quiet, ...options })
  const input = driver.createInputTopic('orders', str, bytes)
  const pipe = (key: string, value: string | Order, timestamp = 1000, headers: { [k: string]: string } = {}) =>
    input.pipeRecord(new TestRecord(key, Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), timestamp, headers))
  return {
    driver,
    pipe,
    checked: () => driver.createOutputTopic('checked', str, Serdes.json<Order>()).readValuesToList().map((o) => o.id),
    dlq: (topic = 'shop-dlq') => driver.createOutputTopic(topic, bytes, bytes).readRecordsToList(),
  }
}

const header = (headers: { readonly [k: string]: Buffer | string }, name: string): string | undefined => headers[name]?.toString()

test('deserialization dlq: the raw bytes and the KIP-1034 headers go to <applicationId>-dlq; good records flow on', () => {
  const { driver, pipe, checked, dlq } = run({ deserializationExceptionHandler: 'dlq' })
  pipe('a', { id: 'a', amount: 1 })
  pipe('b', '{"id": "b", amount', 2000, { trace: 't-1' })
  pipe('c', { id: 'c', amount: 3 })
  assert.deepEqual(checked(), ['a', 'c'])
  const [dead, ...more] = dlq()
  assert.equal(more.length, 0)
  assert.equal(dead!.key!.toString(), 'b')
  assert.equal(dead!.value!.toString(), '{"id": "b", amount')
  assert.equal(dead!.timestamp, 2000)
  const h = dead!.headers
  assert.equal(header(h, 'trace'), 't-1', 'the record keeps its own headers')
  assert.equal(header(h, DeadLetterHeaders.topic), 'orders')
  assert.equal(header(h, DeadLetterHeaders.partition), '0')
  assert.equal(header(h, DeadLetterHeaders.offset), '1')
  assert.equal(header(h, DeadLetterHeaders.node), 'orders-source')
  assert.equal(header(h, DeadLetterHeaders.taskId), '0_0')
  assert.equal(header(h, DeadLetterHeaders.exception), 'SerializationError')
  assert.match(header(h, DeadLetterHeaders.message)!, /JSON/i)
  assert.match(header(h, DeadLetterHeaders.stacktrace)!, /SerializationError/)
  driver.close()
})

test('processing dlq: a throwing processor dead-letters the input record, named by the processor node', () => {
  const { driver, pipe, checked, dlq } = run({ processingExceptionHandler: 'dlq' })
  pipe('a', { id: 'a', amount: 1 })
  pipe('p', { id: 'p', amount: 2, poison: true })
  pipe('c', { id: 'c', amount: 3 })
  assert.deepEqual(checked(), ['a', 'c'])
  const dead = dlq()
  assert.equal(dead.length, 1)
  assert.equal(JSON.parse(dead[0]!.value!.toString()).id, 'p')
  assert.equal(header(dead[0]!.headers, DeadLetterHeaders.node), 'check')
  assert.equal(header(dead[0]!.headers, DeadLetterHeaders.exception), 'TypeError')
  assert.equal(header(dead[0]!.headers, DeadLetterHeaders.message), 'poison order p')
  assert.equal(header(dead[0]!.headers, DeadLetterHeaders.offset), '1')
  driver.close()
})

test('processing dlq: a throwing punctuator gives one dead letter without key, value or source headers', () => {
  const { driver, pipe, checked, dlq } = run({ processingExceptionHandler: 'dlq' }, orders(true))
  pipe('a', { id: 'a', amount: 1 }, 5000)
  pipe('b', { id: 'b', amount: 2 }, 12_000) // stream time passes 10 s: the punctuator throws once
  pipe('c', { id: 'c', amount: 3 }, 13_000)
  assert.deepEqual(checked(), ['a', 'b', 'c'])
  const dead = dlq()
  assert.equal(dead.length, 1)
  assert.equal(dead[0]!.key, null)
  assert.equal(dead[0]!.value, null)
  assert.equal(header(dead[0]!.headers, DeadLetterHeaders.node), 'check')
  assert.equal(header(dead[0]!.headers, DeadLetterHeaders.message), 'punctuator broke at 12000')
  assert.equal(dead[0]!.headers[DeadLetterHeaders.topic], undefined)
  driver.close()
})

test('production dlq: an output record over maxRequestSize is dead-lettered with the input record\'s bytes', () => {
  const { driver, pipe, checked, dlq } = run({ productionExceptionHandler: 'dlq', maxRequestSize: 1000 })
  pipe('a', { id: 'a', amount: 1 })
  pipe('big', { id: 'big', amount: 2, blob: 'x'.repeat(2000) })
  pipe('c', { id: 'c', amount: 3 })
  assert.deepEqual(checked(), ['a', 'c'])
  const dead = dlq()
  assert.equal(dead.length, 1)
  assert.equal(dead[0]!.key!.toString(), 'big')
  assert.equal(JSON.parse(dead[0]!.value!.toString()).blob.length, 2000)
  assert.equal(header(dead[0]!.headers, DeadLetterHeaders.exception), 'RecordTooLargeError')
  assert.equal(header(dead[0]!.headers, DeadLetterHeaders.node), 'orders-sink')
  assert.match(header(dead[0]!.headers, DeadLetterHeaders.message)!, /larger than maxRequestSize \(1000\)/)
  driver.close()
})

test('production: a value the sink serde rejects is dead-lettered, skipped (continue) or fails the task (default)', () => {
  const unwritable = { id: 'u', amount: 2, unwritable: true }
  {
    const { driver, pipe, checked, dlq } = run({ productionExceptionHandler: 'dlq' })
    pipe('a', { id: 'a', amount: 1 })
    pipe('u', unwritable)
    assert.deepEqual(checked(), ['a'])
    assert.equal(header(dlq()[0]!.headers, DeadLetterHeaders.message), 'cannot serialize an unwritable order')
    driver.close()
  }
  {
    const { driver, pipe, checked, dlq } = run({ productionExceptionHandler: 'continue' })
    pipe('u', unwritable)
    pipe('c', { id: 'c', amount: 3 })
    assert.deepEqual(checked(), ['c'])
    assert.equal(dlq().length, 0)
    driver.close()
  }
  {
    // The processing handler may skip, but a production failure is the production handler's to decide.
    const { driver, pipe } = run({ processingExceptionHandler: 'continue' })
    assert.throws(() => pipe('u', unwritable), (err: unknown) =>
      err instanceof ProductionError && err instanceof ProcessingError && err.outputTopic === 'checked' &&
      /Production to topic "checked" failed in task 0_0, node "orders-sink", for the record at topic "orders" partition 0 offset 0/.test(err.message))
    driver.close()
  }
})

test('a dead-letter topic of one\'s own: { handler: "dlq", topic } and a function answering { dlq: topic } per error', () => {
  const seen: ErrorHandlerContext[] = []
  const perError: ErrorPolicy = (ctx, error) => {
    seen.push(ctx)
    return (error as Error).message.includes('p1') ? { dlq: 'poison-orders' } : 'continue'
  }
  const { driver, pipe, checked, dlq } = run({ deserializationExceptionHandler: { handler: 'dlq', topic: 'bad-bytes' }, processingExceptionHandler: perError })
  pipe('x', 'not json')
  pipe('p1', { id: 'p1', amount: 1, poison: true })
  pipe('p2', { id: 'p2', amount: 1, poison: true })
  pipe('ok', { id: 'ok', amount: 1 })
  assert.deepEqual(checked(), ['ok'])
  assert.deepEqual(dlq('bad-bytes').map((r) => r.key!.toString()), ['x'])
  assert.deepEqual(dlq('poison-orders').map((r) => r.key!.toString()), ['p1'])
  assert.equal(dlq().length, 0)
  assert.deepEqual(seen.map((c) => [c.handler, c.node, c.offset, c.rawKey?.toString()]), [['processing', 'check', 1, 'p1'], ['processing', 'check', 2, 'p2']])
  driver.close()
})

test('one kstreams:dead-letter message per dead letter', () => {
  const messages: DeadLetterMessage[] = []
  const listener = (m: unknown) => void messages.push(m as DeadLetterMessage)
  subscribe(DEAD_LETTER_CHANNEL, listener)
  try {
    const { driver, pipe } = run({ deserializationExceptionHandler: 'dlq', processingExceptionHandler: 'dlq' })
    pipe('x', '{')
    pipe('p', { id: 'p', amount: 1, poison: true })
    driver.close()
  } finally {
    unsubscribe(DEAD_LETTER_CHANNEL, listener)
  }
  assert.deepEqual(messages, [
    { applicationId: 'shop', taskId: '0_0', handler: 'deserialization', sourceTopic: 'orders', dlqTopic: 'shop-dlq', node: 'orders-source' },
    { applicationId: 'shop', taskId: '0_0', handler: 'processing', sourceTopic: 'orders', dlqTopic: 'shop-dlq', node: 'check' },
  ])
})

test('dead letters are logged at warn without the record\'s key or value', () => {
  const logged: { object: object; message: string }[] = []
  const { driver, pipe } = run({ deserializationExceptionHandler: 'dlq', logger: { warn: (object, message) => void logged.push({ object, message }) } })
  pipe('secret-key', 'secret-value')
  driver.close()
  assert.equal(logged.length, 1)
  // Not even the error's message: JSON.parse quotes the bytes it choked on. It is in the dead letter's headers.
  assert.match(logged[0]!.message, /Dead-lettered a record that does not deserialize to topic "shop-dlq" \(SerializationError/)
  assert.ok(!`${logged[0]!.message} ${JSON.stringify(logged[0]!.object)}`.includes('secret'), logged[0]!.message)
  assert.equal((logged[0]!.object as { offset: number }).offset, 0)
})

test('continue: the skipped record is logged at warn without its bytes (the JSON error names a position, not the text)', () => {
  const logged: string[] = []
  const { driver, pipe, checked } = run({ deserializationExceptionHandler: 'continue', logger: { warn: (object, message) => void logged.push(`${message} ${JSON.stringify(object, (_k, v: unknown) => (v instanceof Error ? `${v.message} ${String(v.cause)}` : v))}`) } })
  pipe('k1', 'secret-value is not JSON')
  pipe('k2', '{"card": "secret-4111" "x": 1}')
  pipe('k3', { id: 'ok', amount: 1 })
  assert.deepEqual(checked(), ['ok'])
  driver.close()
  assert.equal(logged.length, 2)
  for (const line of logged) {
    assert.match(line, /Skipping a record that does not deserialize/)
    assert.ok(!line.includes('secret'), line)
  }
})

test('a handler that throws fails the task (fail-stop), naming the record and that the handler threw', () => {
  let calls = 0
  const { driver, pipe } = run({ deserializationExceptionHandler: () => { calls++; throw new Error('handler bug') } })
  assert.throws(() => pipe('x', 'not json'), (err: unknown) =>
    err instanceof DeserializationError &&
    /task 0_0, node "orders-source", for the record at topic "orders" partition 0 offset 0/.test(err.message) &&
    /the exception handler itself threw: handler bug/.test(err.message))
  assert.equal(calls, 1)
  assert.throws(() => pipe('y', { id: 'y', amount: 1 }), /cannot process while failed/)
  assert.equal(calls, 1, 'the failed task does not ask again')
  driver.close()
})

test('a handler answering nonsense fails the task; an unknown policy is refused up front', () => {
  const { driver, pipe } = run({ processingExceptionHandler: (() => 'retry') as unknown as ErrorPolicy })
  assert.throws(() => pipe('p', { id: 'p', amount: 1, poison: true }), ProcessingError)
  driver.close()
  assert.throws(() => new TopologyTestDriver(orders(), { processingExceptionHandler: 'skip' as ErrorPolicy }), /processingExceptionHandler is 'fail', 'continue', 'dlq'/)
})
