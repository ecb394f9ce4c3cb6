import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Serdes } from '../../src/serdes/serdes.ts'
import { TopologyTestDriver } from '../../src/testing/index.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { QUIET, collectDropped, str } from './join-semantics.ts'

interface Order {
  readonly product: string | null
  readonly qty: number
}
const orderSerde = Serdes.json<Order>()
const NULL_ORDER = null as unknown as Order
const NULL_NAME = null as unknown as string

function fkJoin(leftJoin: boolean, storeName?: string): StreamsBuilder {
  const b = new StreamsBuilder()
  const orders = b.table('orders', { key: str, value: orderSerde })
  const products = b.table('products', { key: str, value: str })
  const options = storeName !== undefined ? { storeName, value: str } : undefined
  const joined = leftJoin
    ? orders.leftJoin(products, (o) => o.product as string, (o, name) => `${o.qty} x ${name}`, options)
    : orders.join(products, (o) => o.product as string, (o, name) => `${o.qty} x ${name}`, options)
  joined.toStream().to('out', { value: str })
  return b
}

type Step = readonly ['order', string, Order | null] | readonly ['product', string, string | null]

/** Updates and deletes on both sides: a product before and after its orders, a changed foreign key, deletes. */
const STEPS: ReadonlyArray<Step> = [
  ['order', 'o1', { product: 'p1', qty: 2 }], // p1 not there yet
  ['product', 'p1', 'Pen'],
  ['product', 'p1', 'Pencil'], // right update reaches the subscribed order
  ['order', 'o1', { product: 'p1', qty: 3 }], // left update, same foreign key
  ['order', 'o1', { product: 'p2', qty: 3 }], // foreign key changes to an absent product
  ['product', 'p1', 'Pen'], // o1 unsubscribed from p1: nothing
  ['product', 'p2', 'Ink'],
  ['product', 'p2', null], // right delete
  ['product', 'p2', 'Ink2'],
  ['order', 'o1', null], // left delete
  ['product', 'p2', 'Ink3'], // nobody subscribed any more
]

function run(b: StreamsBuilder, steps: ReadonlyArray<Step> = STEPS): Array<Array<[string, string | null]>> {
  const driver = new TopologyTestDriver(b.build(), QUIET)
  try {
    const orders = driver.createInputTopic('orders', str, orderSerde)
    const products = driver.createInputTopic('products', str, str)
    const out = driver.createOutputTopic('out', str, str)
    return steps.map((step, i) => {
      if (step[0] === 'order') orders.pipeInput(step[1], step[2] ?? NULL_ORDER, i)
      else products.pipeInput(step[1], step[2] ?? NULL_NAME, i)
      return out.readKeyValuesToList().map((kv) => [kv.key, kv.value] as [string, string | null])
    })
  } finally {
    driver.close()
  }
}

test('foreign-key inner join: updates and deletes on both sides, a changed foreign key', () => {
  assert.deepEqual(run(fkJoin(false)), [
    [],
    [['o1', '2 x Pen']],
    [['o1', '2 x Pencil']],
    [['o1', '3 x Pencil']],
    [['o1', null]],
    [],
    [['o1', '3 x Ink']],
    [['o1', null]],
    [['o1', '3 x Ink2']],
    [['o1', null]],
    [],
  ])
})

test('foreign-key left join: every order shows, joined with null where the product is missing', () => {
  assert.deepEqual(run(fkJoin(true)), [
    [['o1', '2 x null']],
    [['o1', '2 x Pen']],
    [['o1', '2 x Pencil']],
    [['o1', '3 x Pencil']],
    [['o1', '3 x null']],
    [],
    [['o1', '3 x Ink']],
    [['o1', '3 x null']],
    [['o1', '3 x Ink2']],
    [['o1', null]],
    [],
  ])
})

test('a null foreign key: the left join emits the row joined with null, the inner join drops it (counted)', () => {
  const steps: Step[] = [['product', 'p1', 'Pen'], ['order', 'o2', { product: null, qty: 1 }], ['order', 'o2', { product: 'p1', qty: 1 }], ['order', 'o2', { product: null, qty: 1 }]]
  assert.deepEqual(run(fkJoin(true), steps), [[], [['o2', '1 x null']], [['o2', '1 x Pen']], [['o2', '1 x null']]])
  let inner: Array<Array<[string, string | null]>> = []
  const dropped = collectDropped(() => {
    inner = run(fkJoin(false), steps)
  })
  assert.deepEqual(inner, [[], [], [['o2', '1 x Pen']], [['o2', null]]])
  assert.deepEqual(dropped.map((d) => d.reason), ['Skipping record due to null foreign key', 'Skipping record due to null foreign key'])
})

test('several orders on one product all follow it; orders of other products do not', () => {
  const steps: Step[] = [
    ['order', 'a', { product: 'p', qty: 1 }],
    ['order', 'b', { product: 'p', qty: 2 }],
    ['order', 'c', { product: 'q', qty: 3 }],
    ['product', 'p', 'Pen'],
    ['product', 'pp', 'Other'],
    ['product', 'p', null],
  ]
  assert.deepEqual(run(fkJoin(false), steps), [[], [], [], [['a', '1 x Pen'], ['b', '2 x Pen']], [], [['a', null], ['b', null]]])
})

test('foreign-key join topology: Kafka names, internal topics, co-partitioning, a stored result', () => {
  const topology = fkJoin(false, 'order-lines').build()
  assert.deepEqual([...topology.internalTopics.keys()], [
    'KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000006-topic',
    'KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-0000000014-topic',
  ])
  assert.deepEqual(topology.copartitionGroups, [
    ['KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000006-topic', 'products'],
    ['KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-0000000014-topic', 'orders'],
  ])
  assert.ok(topology.stores.has('KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-0000000010'))
  assert.deepEqual(topology.nodes.map((n) => n.name).slice(4), [
    'KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000007',
    'KSTREAM-SINK-0000000008',
    'KSTREAM-SOURCE-0000000009',
    'KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000011',
    'KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000012',
    'KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000013',
    'KSTREAM-SINK-0000000015',
    'KSTREAM-SOURCE-0000000016',
    'KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-0000000017',
    'KTABLE-FK-JOIN-OUTPUT-0000000018',
    'KTABLE-TOSTREAM-0000000019',
    'KSTREAM-SINK-0000000020',
  ])
  const compiled = topology.compile('shop')
  assert.ok(compiled.repartitionTopics.some((t) => t.name === 'shop-KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000006-topic'))
  const driver = new TopologyTestDriver(topology, QUIET)
  try {
    driver.createInputTopic('products', str, str).pipeInput('p1', 'Pen', 1)
    driver.createInputTopic('orders', str, orderSerde).pipeInput('o1', { product: 'p1', qty: 5 }, 2)
    assert.equal(driver.getKeyValueStore<string, string>('order-lines').get('o1'), '5 x Pen')
  } finally {
    driver.close()
  }
})

test('a named foreign-key join names every node, topic and store after it', () => {
  const b = new StreamsBuilder()
  const orders = b.table('orders', { key: str, value: orderSerde })
  orders.join(b.table('products', { key: str, value: str }), (o) => o.product as string, (o, p) => `${o.qty}${p}`, { name: 'lines' })
  const topology = b.build()
  assert.deepEqual([...topology.internalTopics.keys()], ['lines-subscription-registration-topic', 'lines-subscription-response-topic'])
  assert.ok(topology.stores.has('lines-subscription-store'))
  assert.ok(topology.nodes.some((n) => n.name === 'lines-result'))
})

test('a foreign-key join result is stored when joined again, and can be aggregated with retractions', () => {
  const b = new StreamsBuilder()
  const orders = b.table('orders', { key: str, value: orderSerde })
  const products = b.table('products', { key: str, value: str })
  const lines = orders.join(products, (o) => o.product as string, (o, name) => ({ name, qty: o.qty }))
  lines.groupBy((_k, line) => [line.name, line.qty]).reduce((a, v) => a + v, (a, v) => a - v).toStream().to('out', { key: str, value: Serdes.long() })
  assert.ok(lines.queryableStoreName?.startsWith('KTABLE-FK-JOIN-OUTPUT-STATE-STORE-'))
  const driver = new TopologyTestDriver(b.build(), QUIET)
  try {
    const o = driver.createInputTopic('orders', str, orderSerde)
    const p = driver.createInputTopic('products', str, str)
    p.pipeInput('p1', 'Pen', 1)
    o.pipeInput('o1', { product: 'p1', qty: 2 }, 2)
    o.pipeInput('o2', { product: 'p1', qty: 3 }, 3)
    p.pipeInput('p1', 'Pencil', 4) // both lines move from Pen to Pencil
    o.pipeInput('o2', NULL_ORDER, 5)
    assert.deepEqual(driver.createOutputTopic('out', str, Serdes.long()).readKeyValuesToMap(), new Map([['Pen', 0], ['Pencil', 2]]))
  } finally {
    driver.close()
  }
})
