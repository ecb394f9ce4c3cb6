import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Serdes } from '../../src/serdes/serdes.ts'
import { TopologyTestDriver } from '../../src/testing/index.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { QUIET, collectDropped, pair, runSteps, str } from './join-semantics.ts'

const num = Serdes.long()

function streamTable(kind: 'join' | 'leftJoin'): StreamsBuilder {
  const b = new StreamsBuilder()
  const table = b.table('right', { key: str, value: str })
  const stream = b.stream('left', { key: str, value: str })
  const joined = kind === 'join' ? stream.join(table, (v, tv) => pair(v, tv)) : stream.leftJoin(table, (v, tv) => pair(v, tv))
  joined.to('out', { value: str })
  return b
}

// Kafka's KStream-KTable join semantics table: only stream records trigger, table updates never do.
test('stream-table inner join follows Kafka semantics table', () => {
  assert.deepEqual(runSteps(streamTable('join').build()), [
    [], [], [], [], ['B-a'], [], [], [], [], [], [], [], [], [], ['D-d'],
  ])
})

test('stream-table left join follows Kafka semantics table', () => {
  assert.deepEqual(runSteps(streamTable('leftJoin').build()), [
    [], [], ['A-null'], [], ['B-a'], [], [], [], ['C-null'], [], [], [], [], [], ['D-d'],
  ])
})

test('a left join joins a null-key stream record with null at once (KIP-962); a null value is dropped and counted', () => {
  const topology = streamTable('leftJoin').build()
  const driver = new TopologyTestDriver(topology, QUIET)
  try {
    const left = driver.createInputTopic('left', str, str)
    driver.createInputTopic('right', str, str).pipeInput('k', 'x', 1)
    const out = driver.createOutputTopic('out', str, str)
    const dropped = collectDropped(() => {
      left.pipeInput(null as unknown as string, 'no-key', 5)
      left.pipeInput('k', null as unknown as string, 6)
      left.pipeInput('k', 'v', 7)
    })
    assert.deepEqual(out.readRecordsToList().map((r) => [r.key, r.value, r.timestamp]), [[null, 'no-key-null', 5], ['k', 'v-x', 7]])
    assert.deepEqual(dropped.map((d) => [d.processor, d.reason, d.topic, d.offset]), [
      ['KSTREAM-LEFTJOIN-0000000004', 'Skipping record due to null join key or value', 'left', 1],
    ])
  } finally {
    driver.close()
  }
})

test('an inner join drops and counts stream records with a null key or value', () => {
  const driver = new TopologyTestDriver(streamTable('join').build(), QUIET)
  try {
    const left = driver.createInputTopic('left', str, str)
    driver.createInputTopic('right', str, str).pipeInput('k', 'x', 1)
    const dropped = collectDropped(() => {
      left.pipeInput(null as unknown as string, 'no-key', 5)
      left.pipeInput('k', null as unknown as string, 6)
    })
    assert.deepEqual(driver.createOutputTopic('out', str, str).readValuesToList(), [])
    assert.deepEqual(dropped.map((d) => [d.processor, d.offset]), [['KSTREAM-JOIN-0000000004', 0], ['KSTREAM-JOIN-0000000004', 1]])
  } finally {
    driver.close()
  }
})

test('a stream whose key changed is repartitioned before the join and co-partitioned with the table', () => {
  const b = new StreamsBuilder()
  const prices = b.table('prices', { key: str, value: num })
  b.stream('orders', { key: str, value: str })
    .selectKey((_k, item) => item)
    .join(prices, (item, price, key) => `${key}:${item}@${price}`)
    .to('out', { value: str })
  const topology = b.build()
  assert.deepEqual(topology.nodes.map((n) => n.name), [
    'KSTREAM-SOURCE-0000000001',
    'KTABLE-SOURCE-0000000002',
    'KSTREAM-SOURCE-0000000003',
    'KSTREAM-KEY-SELECT-0000000004',
    'KSTREAM-FILTER-0000000006',
    'KSTREAM-SINK-0000000005',
    'KSTREAM-SOURCE-0000000007',
    'KSTREAM-JOIN-0000000008',
    'KSTREAM-SINK-0000000009',
  ])
  assert.ok(topology.internalTopics.has('KSTREAM-KEY-SELECT-0000000004-repartition'))
  assert.deepEqual(topology.copartitionGroups, [['KSTREAM-KEY-SELECT-0000000004-repartition', 'prices']])
  const compiled = topology.compile('app')
  assert.deepEqual(compiled.copartitionGroups, [['app-KSTREAM-KEY-SELECT-0000000004-repartition', 'prices']])
  const driver = new TopologyTestDriver(topology, QUIET)
  try {
    driver.createInputTopic('prices', str, num).pipeInput('apple', 3, 1)
    const orders = driver.createInputTopic('orders', str, str)
    orders.pipeInput('order-1', 'apple', 2)
    orders.pipeInput('order-2', 'pear', 3)
    assert.deepEqual(driver.createOutputTopic('out', str, str).readKeyValuesToList(), [{ key: 'apple', value: 'apple:apple@3' }])
    assert.ok(driver.producedTopicNames().has('topology-test-driver-KSTREAM-KEY-SELECT-0000000004-repartition'))
  } finally {
    driver.close()
  }
})

test('a named join names its repartition topic and processor', () => {
  const b = new StreamsBuilder()
  const table = b.table('t', { key: str, value: str })
  b.stream('s', { key: str, value: str }).selectKey((_k, v) => v).leftJoin(table, (v, tv) => pair(v, tv), { name: 'enrich' }).to('out', { value: str })
  const topology = b.build()
  assert.ok(topology.internalTopics.has('enrich-repartition'))
  assert.ok(topology.nodes.some((n) => n.name === 'enrich'))
  assert.ok(topology.nodes.some((n) => n.name === 'enrich-repartition-source'))
})

test('joining a filtered and mapped table reads through them without storing them', () => {
  const b = new StreamsBuilder()
  const table = b.table('right', { key: str, value: str }).filter((_k, v) => v !== 'hidden').mapValues((v) => v.toUpperCase())
  assert.equal(table.queryableStoreName, undefined)
  b.stream('left', { key: str, value: str }).leftJoin(table, (v, tv) => pair(v, tv)).to('out', { value: str })
  const topology = b.build()
  assert.deepEqual([...topology.stores.keys()], ['right-STATE-STORE-0000000000'])
  assert.deepEqual(
    runSteps(topology, [
      { ts: 1, side: 'right', value: 'x' },
      { ts: 2, side: 'left', value: 'A' },
      { ts: 3, side: 'right', value: 'hidden' },
      { ts: 4, side: 'left', value: 'B' },
    ]),
    [[], ['A-X'], [], ['B-null']],
  )
})

test('stream-global-table join looks rows up by a key taken from each record, no co-partitioning', () => {
  const b = new StreamsBuilder()
  const customers = b.globalTable('customers', { key: str, value: str })
  const orders = b.stream('orders', { key: str, value: Serdes.json<{ customer: string; item: string }>() })
  orders.join(customers, (_k, o) => o.customer, (o, name, key) => `${key}: ${o.item} for ${name}`).to('inner', { value: str })
  orders.leftJoin(customers, (_k, o) => o.customer, (o, name) => `${o.item} for ${name ?? '?'}`).to('left', { value: str })
  const topology = b.build()
  assert.deepEqual(topology.copartitionGroups, [])
  const driver = new TopologyTestDriver(topology, QUIET)
  try {
    driver.createInputTopic('customers', str, str).pipeInput('c1', 'Ada', 1)
    const input = driver.createInputTopic('orders', str, Serdes.json<{ customer: string; item: string }>())
    input.pipeInput('o1', { customer: 'c1', item: 'book' }, 2)
    input.pipeInput('o2', { customer: 'c2', item: 'pen' }, 3)
    assert.deepEqual(driver.createOutputTopic('inner', str, str).readKeyValuesToList(), [{ key: 'o1', value: 'o1: book for Ada' }])
    assert.deepEqual(driver.createOutputTopic('left', str, str).readValuesToList(), ['book for Ada', 'pen for ?'])
  } finally {
    driver.close()
  }
})

test('a global-table left join joins a record whose key selector gives null with null (KIP-962); an inner join drops it', () => {
  for (const kind of ['leftJoin', 'join'] as const) {
    const b = new StreamsBuilder()
    const customers = b.globalTable('customers', { key: str, value: str })
    const orders = b.stream('orders', { key: str, value: str })
    const joined = kind === 'leftJoin'
      ? orders.leftJoin(customers, () => null as unknown as string, (o, c) => pair(o, c))
      : orders.join(customers, () => null as unknown as string, (o, c) => pair(o, c))
    joined.to('out', { value: str })
    const driver = new TopologyTestDriver(b.build(), QUIET)
    try {
      const dropped = collectDropped(() => driver.createInputTopic('orders', str, str).pipeInput('o1', 'x', 1))
      const out = driver.createOutputTopic('out', str, str).readKeyValuesToList()
      if (kind === 'leftJoin') assert.deepEqual([out, dropped.length], [[{ key: 'o1', value: 'x-null' }], 0])
      else assert.deepEqual([out, dropped.length], [[], 1])
    } finally {
      driver.close()
    }
  }
})
