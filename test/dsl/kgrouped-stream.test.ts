import assert from 'node:assert/strict'
import { test } from 'node:test'
import { silentLogger } from '../../src/instrumentation/logger.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { TopologyTestDriver } from '../../src/testing/index.ts'
import type { Topology } from '../../src/topology/topology.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'

interface Order {
  readonly customer: string
  readonly amount: number
}

const str = Serdes.string()
const num = Serdes.long()
const orders = Serdes.json<Order>()

function withDriver(topology: Topology, body: (driver: TopologyTestDriver) => void): void {
  const driver = new TopologyTestDriver(topology)
  try {
    body(driver)
  } finally {
    driver.close()
  }
}

test('groupByKey().count() needs no repartition; null values are not counted; timestamps are the max', () => {
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: str }).groupByKey().count({ storeName: 'counts' }).toStream().to('out')
  const topology = b.build()
  assert.equal(topology.internalTopics.size, 0)
  withDriver(topology, (driver) => {
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('a', 'x', 100)
    input.pipeInput('a', 'y', 50)
    input.pipeInput('a', null as unknown as string, 300)
    input.pipeInput('b', 'z', 70)
    const out = driver.createOutputTopic('out', str, num).readRecordsToList()
    assert.deepEqual(out.map((r) => [r.key, r.value, r.timestamp]), [['a', 1, 100], ['a', 2, 100], ['b', 1, 70]])
    const store = driver.getTimestampedKeyValueStore<string, number>('counts')
    assert.deepEqual(store.get('a'), { value: 2, timestamp: 100 })
  })
})

test('null keys and values reaching count, reduce and a table source are dropped and counted, never silently', () => {
  const b = new StreamsBuilder()
  const grouped = b.stream('in', { key: str, value: str }).groupByKey()
  grouped.count({ storeName: 'counts' })
  grouped.reduce((a, v) => a + v, { storeName: 'reduced' })
  b.table('rows', { key: str, value: str, storeName: 'rows' })
  const driver = new TopologyTestDriver(b.build(), { logger: silentLogger })
  try {
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput(null as unknown as string, 'x', 1)
    input.pipeInput('a', null as unknown as string, 2)
    assert.equal(driver.droppedRecords, 4, 'count and reduce each drop both records')
    driver.createInputTopic('rows', str, str).pipeInput(null as unknown as string, 'x', 3)
    assert.equal(driver.droppedRecords, 5)
    assert.deepEqual([...driver.getKeyValueStore('counts').all()], [])
    assert.deepEqual([...driver.getKeyValueStore('rows').all()], [])
  } finally {
    driver.close()
  }
})

test('selectKey then aggregate: a repartition topic appears and the store is keyed by the new key', () => {
  const b = new StreamsBuilder()
  b.stream('orders', { key: str, value: orders })
    .selectKey((_id, order) => order.customer)
    .groupByKey()
    .aggregate(() => ({ total: 0, n: 0 }), (_c, o, agg) => ({ total: agg.total + o.amount, n: agg.n + 1 }), { storeName: 'totals' })
  const topology = b.build()
  assert.deepEqual([...topology.internalTopics.keys()], ['totals-repartition'])
  assert.deepEqual(
    topology.nodes.map((n) => n.name),
    ['KSTREAM-SOURCE-0000000000', 'KSTREAM-KEY-SELECT-0000000001', 'totals-repartition-filter', 'totals-repartition-sink', 'totals-repartition-source', 'KSTREAM-AGGREGATE-0000000002'],
  )
  withDriver(topology, (driver) => {
    const input = driver.createInputTopic('orders', str, orders)
    input.pipeInput('o1', { customer: 'alice', amount: 10 })
    input.pipeInput('o2', { customer: 'bob', amount: 5 })
    input.pipeInput('o3', { customer: 'alice', amount: 7 })
    assert.ok(driver.producedTopicNames().has('topology-test-driver-totals-repartition'))
    const store = driver.getKeyValueStore<string, { total: number; n: number }>('totals')
    assert.deepEqual(store.get('alice'), { total: 17, n: 2 })
    assert.deepEqual(store.get('bob'), { total: 5, n: 1 })
    assert.equal(store.get('o1'), undefined)
  })
})

test('reduce combines values per key; the first value starts the aggregate', () => {
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: num }).groupByKey().reduce((a, v) => Math.max(a, v), { storeName: 'max' }).toStream().to('out')
  withDriver(b.build(), (driver) => {
    const input = driver.createInputTopic('in', str, num)
    for (const v of [3, 9, 4]) input.pipeInput('k', v)
    assert.deepEqual(driver.createOutputTopic('out', str, num).readValuesToList(), [3, 9, 9])
    assert.equal(driver.getKeyValueStore('max').get('k'), 9)
  })
})

test('groupBy with a grouping name names the repartition topic; serdes given to groupBy are used', () => {
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: orders })
    .groupBy((_k, o) => o.amount, { name: 'by-amount', key: num })
    .count()
    .toStream()
    .to('out', { value: num })
  const topology = b.build()
  assert.deepEqual([...topology.internalTopics.keys()], ['by-amount-repartition'])
  const sink = topology.nodes.find((n) => n.name === 'by-amount-repartition-sink')
  assert.equal(sink?.kind === 'sink' ? sink.keySerde : undefined, num)
  assert.equal(topology.nodes.find((n) => n.name === 'by-amount')?.kind, 'processor')
  withDriver(topology, (driver) => {
    const input = driver.createInputTopic('in', str, orders)
    input.pipeInput('a', { customer: 'x', amount: 5 })
    input.pipeInput('b', { customer: 'y', amount: 5 })
    // The key serde (long) was known, so the output needs no key serde.
    assert.deepEqual(driver.createOutputTopic('out', num, num).readKeyValuesToList(), [{ key: 5, value: 1 }, { key: 5, value: 2 }])
  })
})

test('a null group key is dropped before the repartition topic', () => {
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: str }).groupBy((_k, v) => (v === 'skip' ? null : v)).count({ storeName: 'c' })
  withDriver(b.build(), (driver) => {
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('1', 'skip')
    input.pipeInput('2', 'keep')
    const all = [...driver.getKeyValueStore('c').all()]
    assert.deepEqual(all.map((kv) => [kv.key, kv.value]), [['keep', 1]])
  })
})

test('toTable() upserts and deletes by key, repartitioning after a key change', () => {
  const b = new StreamsBuilder()
  const table = b.stream('in', { key: str, value: str }).toTable({ storeName: 'latest' })
  table.toStream().to('out')
  b.stream('other', { key: str, value: str }).selectKey((_k, v) => v).toTable({ storeName: 'rekeyed' })
  const topology = b.build()
  assert.deepEqual([...topology.internalTopics.keys()], ['KSTREAM-TOTABLE-0000000006-repartition'])
  withDriver(topology, (driver) => {
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('a', 'one')
    input.pipeInput('a', 'two')
    input.pipeInput('a', null as unknown as string)
    assert.deepEqual(driver.createOutputTopic('out', str, str).readValuesToList(), ['one', 'two', null])
    assert.equal(driver.getKeyValueStore('latest').get('a'), undefined)
    driver.createInputTopic('other', str, str).pipeInput('x', 'y')
    assert.equal(driver.getKeyValueStore('rekeyed').get('y'), 'y')
  })
})

test('aggregate with caching still emits per record under the test driver (it commits after each)', () => {
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: num }).groupByKey().aggregate(() => 0, (_k, v, sum) => sum + v, { storeName: 'sum', caching: true, value: num })
    .toStream().to('out')
  withDriver(b.build(), (driver) => {
    const input = driver.createInputTopic('in', str, num)
    input.pipeInput('k', 1)
    input.pipeInput('k', 2)
    assert.deepEqual(driver.createOutputTopic('out', str, num).readValuesToList(), [1, 3])
  })
})

test('an aggregation without any serdes named still stores and restores through the structured serde', () => {
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: orders })
    .map((_k, o) => [{ customer: o.customer }, o.amount])
    .groupByKey()
    .aggregate(() => [] as number[], (_k, amount, list) => [...list, amount], { storeName: 'lists' })
  withDriver(b.build(), (driver) => {
    const input = driver.createInputTopic('in', str, orders)
    input.pipeInput('1', { customer: 'c', amount: 1 })
    input.pipeInput('2', { customer: 'c', amount: 2 })
    assert.deepEqual(driver.getKeyValueStore('lists').get({ customer: 'c' }), [1, 2])
  })
})

test('aggregations of one named grouping share its repartition topic; unnamed ones get one each', () => {
  const b = new StreamsBuilder()
  const named = b.stream('in', { key: str, value: num }).groupBy((_k, v) => String(v % 2), { name: 'parity' })
  named.count({ storeName: 'count' })
  named.reduce((a, v) => a + v, { storeName: 'sum' })
  const unnamed = b.stream('in2', { key: str, value: num }).selectKey((_k, v) => String(v)).groupByKey()
  unnamed.count({ storeName: 'c1' })
  unnamed.count({ storeName: 'c2' })
  const topology = b.build()
  assert.deepEqual([...topology.internalTopics.keys()], ['parity-repartition', 'c1-repartition', 'c2-repartition'])
  withDriver(topology, (driver) => {
    const input = driver.createInputTopic('in', str, num)
    for (const v of [1, 2, 3]) input.pipeInput('k', v)
    assert.equal(driver.getKeyValueStore('count').get('1'), 2)
    assert.equal(driver.getKeyValueStore('sum').get('1'), 4)
    assert.equal(driver.getKeyValueStore('sum').get('0'), 2)
  })
})
