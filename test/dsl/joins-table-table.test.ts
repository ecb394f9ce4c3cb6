import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Serdes } from '../../src/serdes/serdes.ts'
import { TopologyTestDriver } from '../../src/testing/index.ts'
import { SessionWindows } from '../../src/topology/dsl/session-windows.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { TimeWindows } from '../../src/topology/dsl/time-windows.ts'
import { QUIET, pair, runSteps, str } from './join-semantics.ts'

function tableTable(kind: 'join' | 'leftJoin' | 'outerJoin', stored = false): StreamsBuilder {
  const b = new StreamsBuilder()
  const left = b.table('left', { key: str, value: str })
  const right = b.table('right', { key: str, value: str })
  const options = stored ? { storeName: 'joined', value: str } : undefined
  const joined = kind === 'join'
    ? left.join(right, (v, o) => pair(v, o), options)
    : kind === 'leftJoin'
      ? left.leftJoin(right, (v, o) => pair(v, o), options)
      : left.outerJoin(right, (v, o) => pair(v, o), options)
  joined.toStream().to('out', { value: str })
  return b
}

// Kafka's KTable-KTable join semantics table; `null` is a delete of the joined row.
const INNER = [[], [], [], ['A-a'], ['B-a'], ['B-b'], [null], [], [], ['C-c'], [null], [], [], [], ['D-d']]
const LEFT = [[], [], ['A-null'], ['A-a'], ['B-a'], ['B-b'], [null], [], ['C-null'], ['C-c'], ['C-null'], [null], [], [], ['D-d']]
const OUTER = [[], [], ['A-null'], ['A-a'], ['B-a'], ['B-b'], ['null-b'], [null], ['C-null'], ['C-c'], ['C-null'], [null], [], ['null-d'], ['D-d']]

test('table-table inner join follows Kafka semantics table', () => {
  assert.deepEqual(runSteps(tableTable('join').build()), INNER)
})

test('table-table left join follows Kafka semantics table', () => {
  assert.deepEqual(runSteps(tableTable('leftJoin').build()), LEFT)
})

test('table-table outer join follows Kafka semantics table', () => {
  assert.deepEqual(runSteps(tableTable('outerJoin').build()), OUTER)
})

test('a stored join result gives the same updates and is queryable', () => {
  for (const [kind, expected] of [['join', INNER], ['leftJoin', LEFT], ['outerJoin', OUTER]] as const) {
    const topology = tableTable(kind, true).build()
    assert.ok(topology.stores.has('joined'), kind)
    // Stored, a delete of a row that was never joined (inner, step 8 for outer) is not repeated.
    assert.deepEqual(runSteps(topology), expected, kind)
  }
  const driver = new TopologyTestDriver(tableTable('outerJoin', true).build(), QUIET)
  try {
    driver.createInputTopic('left', str, str).pipeInput('k1', 'A', 1)
    driver.createInputTopic('right', str, str).pipeInput('k2', 'b', 2)
    const store = driver.getKeyValueStore<string, string>('joined')
    assert.equal(store.get('k1'), 'A-null')
    assert.equal(store.get('k2'), 'null-b')
  } finally {
    driver.close()
  }
})

test('the joined timestamp is the later of the two rows', () => {
  const driver = new TopologyTestDriver(tableTable('join').build(), QUIET)
  try {
    driver.createInputTopic('right', str, str).pipeInput('k', 'a', 50)
    driver.createInputTopic('left', str, str).pipeInput('k', 'A', 10)
    assert.deepEqual(driver.createOutputTopic('out', str, str).readRecordsToList().map((r) => r.timestamp), [50])
  } finally {
    driver.close()
  }
})

test('join results retract old values downstream: an aggregation over the join stays right on updates and deletes', () => {
  const b = new StreamsBuilder()
  const employees = b.table('left', { key: str, value: str }) // employee -> department
  const salaries = b.table('right', { key: str, value: Serdes.long() }) // employee -> salary
  employees
    .join(salaries, (department, salary) => ({ department, salary }))
    .groupBy((_employee, row) => [row.department, row.salary])
    .reduce((a, v) => a + v, (a, v) => a - v, { value: Serdes.long() })
    .toStream()
    .to('out', { key: str, value: Serdes.long() })
  const driver = new TopologyTestDriver(b.build(), QUIET)
  try {
    const left = driver.createInputTopic('left', str, str)
    const right = driver.createInputTopic('right', str, Serdes.long())
    const out = driver.createOutputTopic('out', str, Serdes.long())
    left.pipeInput('ann', 'eng', 1)
    right.pipeInput('ann', 100, 2)
    left.pipeInput('bob', 'eng', 3)
    right.pipeInput('bob', 50, 4)
    assert.deepEqual(out.readKeyValuesToList(), [{ key: 'eng', value: 100 }, { key: 'eng', value: 150 }])
    right.pipeInput('ann', 120, 5) // a raise: 100 out, 120 in
    left.pipeInput('bob', 'ops', 6) // bob moves: leaves eng, joins ops
    right.pipeInput('ann', null as unknown as number, 7) // ann's salary deleted: the joined row goes
    assert.deepEqual(out.readKeyValuesToMap(), new Map([['eng', 0], ['ops', 50]]))
  } finally {
    driver.close()
  }
})

test('a join result can be joined again without being stored (looked up through both sides)', () => {
  const b = new StreamsBuilder()
  const names = b.table('left', { key: str, value: str })
  const cities = b.table('right', { key: str, value: str })
  const people = names.leftJoin(cities, (n, c) => `${n} (${c ?? 'nowhere'})`)
  assert.equal(people.queryableStoreName, undefined)
  b.stream('visits', { key: str, value: str }).join(people, (page, person) => `${person} saw ${page}`).to('out', { value: str })
  const topology = b.build()
  assert.deepEqual([...topology.stores.keys()].sort(), ['left-STATE-STORE-0000000000', 'right-STATE-STORE-0000000003'])
  const driver = new TopologyTestDriver(topology, QUIET)
  try {
    driver.createInputTopic('left', str, str).pipeInput('u1', 'Ada', 1)
    const visits = driver.createInputTopic('visits', str, str)
    visits.pipeInput('u1', '/home', 2)
    driver.createInputTopic('right', str, str).pipeInput('u1', 'Paris', 3)
    visits.pipeInput('u1', '/about', 4)
    visits.pipeInput('u2', '/home', 5)
    assert.deepEqual(driver.createOutputTopic('out', str, str).readValuesToList(), ['Ada (nowhere) saw /home', 'Ada (Paris) saw /about'])
  } finally {
    driver.close()
  }
})

test('join processors are named like Kafka and both inputs are co-partitioned', () => {
  const topology = tableTable('join').build()
  assert.deepEqual(topology.nodes.slice(4).map((n) => n.name), ['KTABLE-JOINTHIS-0000000007', 'KTABLE-JOINOTHER-0000000008', 'KTABLE-MERGE-0000000006', 'KTABLE-TOSTREAM-0000000009', 'KSTREAM-SINK-0000000010'])
  assert.deepEqual(topology.copartitionGroups, [['left', 'right']])
  const b = new StreamsBuilder()
  b.table('left', { key: str, value: str }).join(b.table('right', { key: str, value: str }), pair, { name: 'j' })
  assert.deepEqual(b.build().nodes.slice(4).map((n) => n.name), ['j-join-this', 'j-join-other', 'j'])
})

test('windowed tables join per key and window (their rows are read from the window or session store)', () => {
  const b = new StreamsBuilder()
  // Windows stay readable for a while after they close (the default retention is just size + grace).
  const clicks = b.stream('left', { key: str, value: str }).groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(10)).count({ retentionMs: 1000 })
  const views = b.stream('right', { key: str, value: str }).groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(10)).count({ retentionMs: 1000 })
  clicks
    .join(views, (c, v) => `${c}/${v}`)
    .toStream()
    .map((w, ratio): [string, string] => [`${w.key}@${w.window.start}`, ratio ?? 'deleted'])
    .to('out', { key: str, value: str })
  const sessions = b.stream('sessions', { key: str, value: str }).groupByKey().windowedBy(SessionWindows.ofInactivityGapWithNoGrace(5)).count()
  sessions
    .join(sessions.mapValues((n) => n * 10), (n, tens) => `${n}:${tens}`)
    .toStream()
    .map((w, v): [string, string] => [`${w.key}@${w.window.start}-${w.window.end}`, v ?? 'deleted'])
    .to('session-out', { key: str, value: str })
  const driver = new TopologyTestDriver(b.build(), QUIET)
  try {
    const left = driver.createInputTopic('left', str, str)
    const right = driver.createInputTopic('right', str, str)
    left.pipeInput('k', 'c', 1)
    right.pipeInput('k', 'v', 2)
    right.pipeInput('k', 'v', 3)
    right.pipeInput('k', 'v', 12) // another window: no clicks there
    left.pipeInput('k', 'c', 4) // window [0, 10) is closed on the right side, but still stored
    assert.deepEqual(driver.createOutputTopic('out', str, str).readKeyValuesToList(), [
      { key: 'k@0', value: '1/1' },
      { key: 'k@0', value: '1/2' },
      { key: 'k@0', value: '2/2' },
    ])
    driver.createInputTopic('sessions', str, str).pipeInput('s', 'x', 100)
    assert.deepEqual(driver.createOutputTopic('session-out', str, str).readKeyValuesToList().at(-1), { key: 's@100-100', value: '1:10' })
  } finally {
    driver.close()
  }
})
