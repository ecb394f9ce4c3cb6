import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Serdes } from '../../src/serdes/serdes.ts'
import { TopologyTestDriver } from '../../src/testing/index.ts'
import { SessionWindows } from '../../src/topology/dsl/session-windows.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { TimeWindows } from '../../src/topology/dsl/time-windows.ts'
import { QUIET, collectDropped } from './join-semantics.ts'

const str = Serdes.string()
const num = Serdes.long()

interface Activity {
  readonly clicks: number
  readonly views: number
  readonly seconds: number
}

function activityTopology(options: { storeName?: string; name?: string } = {}): StreamsBuilder {
  const b = new StreamsBuilder()
  // clicks are keyed by user; page views by page, so they are re-keyed by user first.
  const clicks = b.stream('clicks', { key: str, value: str }).groupByKey()
  const views = b.stream('views', { key: str, value: Serdes.json<{ user: string; seconds: number }>() }).groupBy((_page, v) => v.user)
  clicks
    .cogroup((_user, _click, a: Activity) => ({ ...a, clicks: a.clicks + 1 }))
    .cogroup(views, (_user, view, a) => ({ ...a, views: a.views + 1, seconds: a.seconds + view.seconds }))
    .aggregate(() => ({ clicks: 0, views: 0, seconds: 0 }), { value: Serdes.json<Activity>(), ...options })
    .toStream()
    .to('activity', { key: str })
  return b
}

test('cogroup folds two streams into one aggregate per key, in one store', () => {
  const topology = activityTopology().build()
  assert.deepEqual([...topology.stores.keys()], ['COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003'])
  assert.deepEqual(topology.stores.get('COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003')!.processors, [
    'COGROUPKSTREAM-AGGREGATE-0000000007',
    'COGROUPKSTREAM-AGGREGATE-0000000008',
  ])
  // Only the re-keyed input is repartitioned; both inputs are co-partitioned.
  assert.deepEqual([...topology.internalTopics.keys()], ['COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition'])
  assert.deepEqual(topology.copartitionGroups, [['clicks', 'COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition']])
  const driver = new TopologyTestDriver(topology, QUIET)
  try {
    const clicks = driver.createInputTopic('clicks', str, str)
    const views = driver.createInputTopic('views', str, Serdes.json<{ user: string; seconds: number }>())
    clicks.pipeInput('ann', '/a', 1)
    views.pipeInput('/home', { user: 'ann', seconds: 30 }, 2)
    views.pipeInput('/home', { user: 'bob', seconds: 5 }, 3)
    clicks.pipeInput('ann', '/b', 4)
    const out = driver.createOutputTopic('activity', str, Serdes.json<Activity>()).readRecordsToList()
    assert.deepEqual(out.map((r) => [r.key, r.value, r.timestamp]), [
      ['ann', { clicks: 1, views: 0, seconds: 0 }, 1],
      ['ann', { clicks: 1, views: 1, seconds: 30 }, 2],
      ['bob', { clicks: 0, views: 1, seconds: 5 }, 3],
      ['ann', { clicks: 2, views: 1, seconds: 30 }, 4],
    ])
    assert.deepEqual(driver.getKeyValueStore<string, Activity>('COGROUPKSTREAM-AGGREGATE-STATE-STORE-0000000003').get('bob'), { clicks: 0, views: 1, seconds: 5 })
  } finally {
    driver.close()
  }
})

test('a named cogroup names its processors and store; the result table can be aggregated with retractions', () => {
  const topology = activityTopology({ storeName: 'activity-store', name: 'activity' }).build()
  assert.ok(topology.stores.has('activity-store'))
  const names = topology.nodes.map((n) => n.name)
  for (const n of ['activity-cogroup-agg-0', 'activity-cogroup-agg-1', 'activity-cogroup-merge']) assert.ok(names.includes(n), n)
  assert.ok(topology.internalTopics.has('activity-store-repartition'))

  const b = new StreamsBuilder()
  const a = b.stream('a', { key: str, value: num }).groupByKey()
  const c = b.stream('c', { key: str, value: num }).groupByKey()
  a.cogroup((_k, v, sum: number) => sum + v)
    .cogroup(c, (_k, v, sum) => sum - v)
    .aggregate(() => 0, { value: num })
    .groupBy((k, v) => [v >= 0 ? 'non-negative' : 'negative', k])
    .count()
    .toStream()
    .to('buckets', { key: str, value: num })
  const driver = new TopologyTestDriver(b.build(), QUIET)
  try {
    driver.createInputTopic('a', str, num).pipeInput('x', 5, 1)
    driver.createInputTopic('c', str, num).pipeInput('x', 7, 2) // x moves from non-negative to negative
    assert.deepEqual(driver.createOutputTopic('buckets', str, num).readKeyValuesToMap(), new Map([['non-negative', 0], ['negative', 1]]))
  } finally {
    driver.close()
  }
})

test('two re-keyed inputs get a repartition topic each', () => {
  const b = new StreamsBuilder()
  const a = b.stream('a', { key: str, value: str }).groupBy((_k, v) => v)
  const c = b.stream('c', { key: str, value: str }).groupBy((_k, v) => v)
  a.cogroup((_k, _v, n: number) => n + 1).cogroup(c, (_k, _v, n) => n + 10).aggregate(() => 0, { storeName: 's', value: num }).toStream().to('out', { key: str, value: num })
  const topology = b.build()
  assert.deepEqual([...topology.internalTopics.keys()], ['s-repartition', 's-1-repartition'])
  const driver = new TopologyTestDriver(topology, QUIET)
  try {
    driver.createInputTopic('a', str, str).pipeInput('1', 'k', 1)
    driver.createInputTopic('c', str, str).pipeInput('2', 'k', 2)
    assert.deepEqual(driver.createOutputTopic('out', str, num).readValuesToList(), [1, 11])
  } finally {
    driver.close()
  }
})

test('windowed cogroup: both inputs fold into the same time windows; sessions merge across inputs', () => {
  const b = new StreamsBuilder()
  const a = b.stream('a', { key: str, value: num }).groupByKey()
  const c = b.stream('c', { key: str, value: num }).groupByKey()
  const cogrouped = a.cogroup((_k, v, sum: number) => sum + v).cogroup(c, (_k, v, sum) => sum + 100 * v)
  cogrouped
    .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
    .aggregate(() => 0, { value: num })
    .toStream()
    .map((w, v): [string, number] => [`${w.key}@${w.window.start}`, v ?? -1])
    .to('tumbling', { key: str, value: num })
  cogrouped
    .windowedBy(SessionWindows.ofInactivityGapWithNoGrace(5))
    .aggregate(() => 0, (_k, x, y) => x + y, { value: num, storeName: 'sessions' })
    .toStream()
    .map((w, v): [string, number] => [`${w.key}@${w.window.start}-${w.window.end}`, v ?? -1])
    .to('sessions', { key: str, value: num })
  const topology = b.build()
  assert.ok(topology.stores.has('sessions'))
  const driver = new TopologyTestDriver(topology, QUIET)
  try {
    const inA = driver.createInputTopic('a', str, num)
    const inC = driver.createInputTopic('c', str, num)
    inA.pipeInput('k', 1, 1)
    inC.pipeInput('k', 2, 4)
    inA.pipeInput('k', 3, 12)
    // Stream time is 12 for both inputs: window [0,10) closed, so this record is too late for it
    // (it is not started over from an empty aggregate); it does bridge the two sessions.
    const dropped = collectDropped(() => inC.pipeInput('k', 1, 8))
    assert.deepEqual(driver.createOutputTopic('tumbling', str, num).readKeyValuesToList(), [
      { key: 'k@0', value: 1 },
      { key: 'k@0', value: 201 },
      { key: 'k@10', value: 3 },
    ])
    assert.equal(dropped.length, 1)
    const sessions = driver.createOutputTopic('sessions', str, num).readKeyValuesToList()
    assert.deepEqual(sessions.at(-1), { key: 'k@1-12', value: 304 })
  } finally {
    driver.close()
  }
})
