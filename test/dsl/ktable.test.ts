import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Serdes } from '../../src/serdes/serdes.ts'
import { TopologyTestDriver } from '../../src/testing/index.ts'
import type { Topology } from '../../src/topology/topology.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'

const str = Serdes.string()
const num = Serdes.long()

function withDriver(topology: Topology, body: (driver: TopologyTestDriver) => void): void {
  const driver = new TopologyTestDriver(topology)
  try {
    body(driver)
  } finally {
    driver.close()
  }
}

const NULL = null as unknown as number

test('a table keeps the latest value per key; a tombstone deletes it and is forwarded', () => {
  const b = new StreamsBuilder()
  const table = b.table('prices', { key: str, value: num })
  table.toStream().to('changes')
  const topology = b.build()
  assert.deepEqual(topology.nodes.map((n) => n.name), ['KSTREAM-SOURCE-0000000001', 'KTABLE-SOURCE-0000000002', 'KTABLE-TOSTREAM-0000000003', 'KSTREAM-SINK-0000000004'])
  assert.equal(table.queryableStoreName, 'prices-STATE-STORE-0000000000')
  withDriver(topology, (driver) => {
    const input = driver.createInputTopic('prices', str, num)
    input.pipeInput('apple', 3, 10)
    input.pipeInput('pear', 5, 20)
    input.pipeInput('apple', 4, 30)
    input.pipeInput('apple', NULL, 40)
    input.pipeInput('ghost', NULL, 50) // delete of an absent row: nothing to forward
    const out = driver.createOutputTopic('changes', str, num).readRecordsToList()
    assert.deepEqual(out.map((r) => [r.key, r.value, r.timestamp]), [['apple', 3, 10], ['pear', 5, 20], ['apple', 4, 30], ['apple', null, 40]])
    const store = driver.getKeyValueStore<string, number>('prices-STATE-STORE-0000000000')
    assert.equal(store.get('apple'), undefined)
    assert.equal(store.get('pear'), 5)
  })
})

test('a repeated value is an idempotent update and is not forwarded (KIP-557)', () => {
  const b = new StreamsBuilder()
  b.table('t', { key: str, value: Serdes.json<{ a: number[] }>(), storeName: 'rows' }).toStream().to('out')
  withDriver(b.build(), (driver) => {
    const input = driver.createInputTopic('t', str, Serdes.json<{ a: number[] }>())
    input.pipeInput('k', { a: [1] }, 10)
    input.pipeInput('k', { a: [1] }, 20)
    input.pipeInput('k', { a: [2] }, 30)
    assert.deepEqual(driver.createOutputTopic('out', str, Serdes.json<{ a: number[] }>()).readValuesToList(), [{ a: [1] }, { a: [2] }])
  })
})

test('table filter turns rejected rows into deletes; mapValues maps; materialized ones are queryable', () => {
  const b = new StreamsBuilder()
  const table = b.table('scores', { key: str, value: num })
  const high = table.filter((_k, v) => v >= 10, { storeName: 'high' })
  high.toStream().to('high')
  table.mapValues((v) => `score ${v}`).toStream().to('labels', { value: str })
  withDriver(b.build(), (driver) => {
    const input = driver.createInputTopic('scores', str, num)
    input.pipeInput('a', 5)
    input.pipeInput('b', 12)
    input.pipeInput('b', 3)
    input.pipeInput('a', NULL)
    // 'a'=5 never passed: Kafka (without old values) forwards its delete anyway.
    assert.deepEqual(driver.createOutputTopic('high', str, num).readKeyValuesToList(), [
      { key: 'a', value: null },
      { key: 'b', value: 12 },
      { key: 'b', value: null },
      { key: 'a', value: null },
    ])
    assert.deepEqual(driver.createOutputTopic('labels', str, str).readKeyValuesToList(), [
      { key: 'a', value: 'score 5' },
      { key: 'b', value: 'score 12' },
      { key: 'b', value: 'score 3' },
      { key: 'a', value: null },
    ])
    assert.equal(driver.getKeyValueStore('high').get('b'), undefined)
  })
})

test('groupBy on a table: a row moving between groups decrements the old group and increments the new', () => {
  const b = new StreamsBuilder()
  const users = b.table('users', { key: str, value: str }) // user → region
  users.groupBy((user, region) => [region, user]).count({ storeName: 'per-region' }).toStream().to('counts', { key: str })
  const topology = b.build()
  assert.deepEqual([...topology.internalTopics.keys()], ['per-region-repartition'])
  withDriver(topology, (driver) => {
    const input = driver.createInputTopic('users', str, str)
    const counts = driver.createOutputTopic('counts', str, num)
    const store = driver.getKeyValueStore<string, number>('per-region')
    input.pipeInput('alice', 'eu', 1)
    input.pipeInput('bob', 'eu', 2)
    assert.deepEqual(counts.readKeyValuesToList(), [{ key: 'eu', value: 1 }, { key: 'eu', value: 2 }])
    input.pipeInput('alice', 'us', 3)
    assert.deepEqual(counts.readKeyValuesToList(), [{ key: 'eu', value: 1 }, { key: 'us', value: 1 }])
    assert.equal(store.get('eu'), 1)
    assert.equal(store.get('us'), 1)
  })
})

test('a count whose row is deleted is retracted', () => {
  const b = new StreamsBuilder()
  b.table('users', { key: str, value: str })
    .groupBy((user, region) => ({ key: region, value: user }))
    .count({ storeName: 'per-region' })
    .toStream()
    .to('counts', { key: str })
  withDriver(b.build(), (driver) => {
    const input = driver.createInputTopic('users', str, str)
    const counts = driver.createOutputTopic('counts', str, num)
    input.pipeInput('alice', 'eu')
    input.pipeInput('bob', 'eu')
    input.pipeInput('alice', null as unknown as string)
    assert.deepEqual(counts.readValuesToList(), [1, 2, 1])
    input.pipeInput('bob', null as unknown as string)
    assert.deepEqual(counts.readKeyValuesToList(), [{ key: 'eu', value: 0 }])
    assert.equal(driver.getKeyValueStore('per-region').get('eu'), 0)
  })
})

test('an update within the same group moves the aggregate in one step', () => {
  const b = new StreamsBuilder()
  b.table('accounts', { key: str, value: num })
    .groupBy((_account, balance) => ['total', balance])
    .aggregate(() => 0, (_k, v, sum) => sum + v, (_k, v, sum) => sum - v, { storeName: 'total', value: num })
    .toStream()
    .to('total', { key: str })
  withDriver(b.build(), (driver) => {
    const input = driver.createInputTopic('accounts', str, num)
    input.pipeInput('a', 100, 1)
    input.pipeInput('b', 50, 2)
    input.pipeInput('a', 70, 3)
    input.pipeInput('b', NULL, 4)
    const out = driver.createOutputTopic('total', str, num).readRecordsToList()
    // 'a' 100 → 70 stays in group 'total': one update (120), not 20 then 120.
    assert.deepEqual(out.map((r) => [r.value, r.timestamp]), [[100, 1], [150, 2], [120, 3], [70, 4]])
  })
})

test('KGroupedTable.reduce applies the adder and the subtractor', () => {
  const b = new StreamsBuilder()
  b.table('items', { key: str, value: str })
    .groupBy((item, category) => [category, item], { name: 'by-category' })
    .reduce((list, item) => `${list},${item}`, (list, item) => list.split(',').filter((x) => x !== item).join(','), { storeName: 'lists' })
  const topology = b.build()
  assert.deepEqual([...topology.internalTopics.keys()], ['by-category-repartition'])
  withDriver(topology, (driver) => {
    const input = driver.createInputTopic('items', str, str)
    input.pipeInput('apple', 'fruit')
    input.pipeInput('pear', 'fruit')
    input.pipeInput('kale', 'veg')
    input.pipeInput('apple', 'veg')
    const lists = driver.getKeyValueStore<string, string>('lists')
    assert.equal(lists.get('fruit'), 'pear')
    assert.equal(lists.get('veg'), 'kale,apple')
  })
})

test('a filtered table regrouped asks the filter for old values (rows leaving the filter are subtracted)', () => {
  const b = new StreamsBuilder()
  b.table('orders', { key: str, value: num })
    .filter((_k, amount) => amount > 0)
    .mapValues((amount) => amount * 2)
    .groupBy((_k, amount) => ['all', amount])
    .aggregate(() => 0, (_k, v, sum) => sum + v, (_k, v, sum) => sum - v, { storeName: 'sum', value: num })
  withDriver(b.build(), (driver) => {
    const input = driver.createInputTopic('orders', str, num)
    const store = driver.getKeyValueStore<string, number>('sum')
    input.pipeInput('o1', 10)
    input.pipeInput('o2', 5)
    assert.equal(store.get('all'), 30)
    input.pipeInput('o1', -1) // leaves the filter: its old doubled value (20) is subtracted
    assert.equal(store.get('all'), 10)
    input.pipeInput('o2', NULL)
    assert.equal(store.get('all'), 0)
  })
})

test('globalTable fills a global store from every record of its topic', () => {
  const b = new StreamsBuilder()
  const rates = b.globalTable('rates', { key: str, value: Serdes.double(), storeName: 'rates' })
  assert.equal(rates.queryableStoreName, 'rates')
  b.stream('in', { key: str, value: str }).to('out') // a task to run beside it
  withDriver(b.build(), (driver) => {
    const input = driver.createInputTopic('rates', str, Serdes.double())
    input.pipeInput('EUR', 1.1)
    input.pipeInput('USD', 1)
    input.pipeInput('USD', null as unknown as number)
    const store = driver.getKeyValueStore<string, number>('rates')
    assert.equal(store.get('EUR'), 1.1)
    assert.equal(store.get('USD'), undefined)
  })
})

test('store options reach the store builder; names override generated ones', () => {
  const b = new StreamsBuilder()
  b.table('t', { key: str, value: num, storeName: 'tbl', storeType: 'memory', logging: false, name: 'my-table' })
    .toStream({ name: 'as-stream' })
    .to('out', { name: 'writer' })
  const topology = b.build()
  assert.deepEqual(topology.nodes.map((n) => n.name), ['my-table', 'my-table-table-source', 'as-stream', 'writer'])
  const store = topology.stores.get('tbl')!.builder
  assert.equal(store.loggingEnabled, false)
  assert.equal(store.cachingEnabled, false)
  const logged = new StreamsBuilder()
  logged.table('t', { key: str, value: num, storeName: 's', logging: { config: { 'retention.ms': '1000' } }, caching: true })
  const built = logged.build().stores.get('s')!.builder
  assert.equal(built.loggingEnabled, true)
  assert.deepEqual(built.logConfig, { 'retention.ms': '1000' })
  assert.equal(built.cachingEnabled, true)
})

test('aggregations of one named table grouping share its repartition topic', () => {
  const b = new StreamsBuilder()
  const grouped = b.table('users', { key: str, value: str }).groupBy((user, region) => [region, user], { name: 'by-region' })
  grouped.count({ storeName: 'n' })
  grouped.reduce((a, u) => `${a}+${u}`, (a, u) => a.replace(`+${u}`, '').replace(u, ''), { storeName: 'names' })
  const topology = b.build()
  assert.deepEqual([...topology.internalTopics.keys()], ['by-region-repartition'])
  withDriver(topology, (driver) => {
    const input = driver.createInputTopic('users', str, str)
    input.pipeInput('ann', 'eu')
    input.pipeInput('bo', 'eu')
    assert.equal(driver.getKeyValueStore('n').get('eu'), 2)
    assert.equal(driver.getKeyValueStore('names').get('eu'), 'ann+bo')
  })
})

test('a regrouped table count has Kafka Streams node, store and topic names', () => {
  const b = new StreamsBuilder()
  b.table('users', { key: str, value: str }).groupBy((user, region) => [region, user]).count()
  const topology = b.build()
  assert.deepEqual(topology.nodes.map((n) => n.name), [
    'KSTREAM-SOURCE-0000000001',
    'KTABLE-SOURCE-0000000002',
    'KTABLE-SELECT-0000000003',
    'KSTREAM-SINK-0000000005',
    'KSTREAM-SOURCE-0000000006',
    'KTABLE-AGGREGATE-0000000007',
  ])
  assert.deepEqual([...topology.stores.keys()], ['users-STATE-STORE-0000000000', 'KTABLE-AGGREGATE-STATE-STORE-0000000004'])
  assert.deepEqual([...topology.internalTopics.keys()], ['KTABLE-AGGREGATE-STATE-STORE-0000000004-repartition'])
})
