import assert from 'node:assert/strict'
import { test } from 'node:test'
import { TopologyTestDriver } from '../../src/testing/index.ts'
import { JoinWindows } from '../../src/topology/dsl/join-windows.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import type { Topology } from '../../src/topology/topology.ts'
import { QUIET, collectDropped, pair, runSteps, str } from './join-semantics.ts'

type Kind = 'join' | 'leftJoin' | 'outerJoin'

function streamStream(kind: Kind, windows: JoinWindows, options?: { name?: string; storeName?: string }): Topology {
  const b = new StreamsBuilder()
  const left = b.stream('left', { key: str, value: str })
  const right = b.stream('right', { key: str, value: str })
  const joined = kind === 'join'
    ? left.join(right, (v, o) => pair(v, o), windows, options)
    : kind === 'leftJoin'
      ? left.leftJoin(right, (v, o) => pair(v, o), windows, options)
      : left.outerJoin(right, (v, o) => pair(v, o), windows, options)
  joined.to('out', { value: str })
  return b.build()
}

/** Pipes `[side, key, value, timestamp]` records; returns, per record, what was emitted as [key, value, timestamp]. */
function pipe(topology: Topology, records: ReadonlyArray<readonly ['left' | 'right', string, string, number]>): Array<Array<[string, string, number]>> {
  const driver = new TopologyTestDriver(topology, QUIET)
  try {
    const inputs = { left: driver.createInputTopic('left', str, str), right: driver.createInputTopic('right', str, str) }
    const out = driver.createOutputTopic('out', str, str)
    return records.map(([side, key, value, ts]) => {
      inputs[side].pipeInput(key, value, ts)
      return out.readRecordsToList().map((r) => [r.key, r.value, r.timestamp] as [string, string, number])
    })
  } finally {
    driver.close()
  }
}

// Kafka's KStream-KStream semantics table (one window spanning all records; Kafka >= 3.1: an
// unjoined record waits for its window to close, so A is never emitted as A-null once a joins it).
const ALL_IN_WINDOW = [
  [], [], [], ['A-a'], ['B-a'], ['A-b', 'B-b'], [], [], ['C-a', 'C-b'], ['A-c', 'B-c', 'C-c'], [], [], [], ['A-d', 'B-d', 'C-d'], ['D-a', 'D-b', 'D-c', 'D-d'],
]

for (const kind of ['join', 'leftJoin', 'outerJoin'] as const) {
  test(`stream-stream ${kind} follows Kafka semantics table`, () => {
    assert.deepEqual(runSteps(streamStream(kind, JoinWindows.ofTimeDifferenceWithNoGrace(100))), ALL_IN_WINDOW)
  })
}

test('left join: no spurious left result before the window closes; emitted joined with null once it does', () => {
  const topology = streamStream('leftJoin', JoinWindows.ofTimeDifferenceWithNoGrace(10))
  assert.deepEqual(pipe(topology, [
    ['left', 'k', 'A', 0], // no partner yet: waits
    ['right', 'other', 'x', 10], // stream time 10 = A's window end: still open
    ['left', 'j', 'B', 5], // out of order, waits too
    ['right', 'j', 'b', 9], // B joins in time: it will never be emitted as unjoined
    ['right', 'other', 'y', 11], // stream time 11: A's window closed (B's did too, but B joined)
    ['left', 'k', 'C', 30], // C waits; A is not emitted twice
    ['right', 'k', 'c', 25], // late, still in C's window: joins (timestamp is the later one)
  ]), [
    [],
    [],
    [],
    [['j', 'B-b', 9]],
    [['k', 'A-null', 0]],
    [],
    [['k', 'C-c', 30]],
  ])
})

test('outer join: unjoined records of both sides are emitted in time order once their windows close', () => {
  const topology = streamStream('outerJoin', JoinWindows.ofTimeDifferenceWithNoGrace(10))
  assert.deepEqual(pipe(topology, [
    ['left', 'k1', 'A', 0],
    ['right', 'k2', 'b', 1],
    ['left', 'k3', 'C', 5],
    ['right', 'k3', 'c', 6],
    ['left', 'k4', 'D', 100],
  ]), [
    [],
    [],
    [],
    [['k3', 'C-c', 6]],
    [['k1', 'A-null', 0], ['k2', 'null-b', 1]],
  ])
})

test('grace period: out-of-order records join until window end + grace; a record already past its window is emitted at once', () => {
  const topology = streamStream('outerJoin', JoinWindows.ofTimeDifferenceAndGrace(10, 5))
  assert.deepEqual(pipe(topology, [
    ['left', 'k', 'A', 20],
    ['right', 'z', 'zz', 32], // stream time 32: A's window [10, 30] ended, but grace keeps it until 35
    ['right', 'k', 'a', 12], // late but in A's window: joins, so A is never emitted unjoined
    ['right', 'q', 'q', 12], // late and alone, its window (ends 22) already before stream time: emitted now
    ['left', 'z', 'y', 36], // joins zz, which was waiting unjoined: it leaves the outer-join store
    ['left', 'w', 'w', 60], // stream time 60: nothing else was waiting, and w's own window is open
  ]), [
    [],
    [],
    [['k', 'A-a', 20]],
    [['q', 'null-q', 12]],
    [['z', 'y-zz', 36]],
    [],
  ])
})

test('asymmetric windows: before(0) joins only right records at or after the left one', () => {
  const topology = streamStream('join', JoinWindows.ofTimeDifferenceWithNoGrace(10).before(0))
  assert.deepEqual(pipe(topology, [
    ['left', 'k', 'A', 10],
    ['right', 'k', 'early', 5],
    ['right', 'k', 'late', 15],
    ['right', 'k', 'too-late', 21],
  ]), [[], [], [['k', 'A-late', 15]], []])
})

function pipeNullKeys(kind: Kind): { out: Array<[string | null, string | null, number]>; dropped: string[] } {
  const driver = new TopologyTestDriver(streamStream(kind, JoinWindows.ofTimeDifferenceWithNoGrace(10)), QUIET)
  try {
    const left = driver.createInputTopic('left', str, str)
    const right = driver.createInputTopic('right', str, str)
    const dropped = collectDropped(() => {
      left.pipeInput(null as unknown as string, 'v', 1)
      right.pipeInput(null as unknown as string, 'w', 2)
      left.pipeInput('k', null as unknown as string, 3)
      right.pipeInput('k', null as unknown as string, 4)
    })
    const out = driver.createOutputTopic('out', str, str).readRecordsToList().map((r): [string | null, string | null, number] => [r.key, r.value, r.timestamp])
    return { out, dropped: dropped.map((d) => d.reason) }
  } finally {
    driver.close()
  }
}

// KIP-962 (Kafka 3.7): a null key cannot match, so an outer side emits it joined with null at once
// instead of dropping it; null values, and null keys on an inner side, are still dropped and counted.
test('inner join drops and counts records with a null key or value', () => {
  assert.deepEqual(pipeNullKeys('join'), { out: [], dropped: Array(4).fill('Skipping record due to null key or value') })
})

test('left join emits a left null-key record joined with null at once; right null keys and null values are dropped', () => {
  assert.deepEqual(pipeNullKeys('leftJoin'), { out: [[null, 'v-null', 1]], dropped: Array(3).fill('Skipping record due to null key or value') })
})

test('outer join emits null-key records of either side joined with null at once; null values are dropped', () => {
  assert.deepEqual(pipeNullKeys('outerJoin'), {
    out: [[null, 'v-null', 1], [null, 'null-w', 2]],
    dropped: Array(2).fill('Skipping record due to null key or value'),
  })
})

test('stream-stream join topology: Kafka names, window stores with duplicates, the shared outer store', () => {
  const left = streamStream('leftJoin', JoinWindows.ofTimeDifferenceAndGrace(10, 5))
  assert.deepEqual(left.nodes.slice(2).map((n) => n.name), [
    'KSTREAM-WINDOWED-0000000002',
    'KSTREAM-WINDOWED-0000000003',
    'KSTREAM-JOINTHIS-0000000004',
    'KSTREAM-OUTEROTHER-0000000005',
    'KSTREAM-MERGE-0000000006',
    'KSTREAM-SINK-0000000007',
  ])
  assert.deepEqual([...left.stores.keys()], ['KSTREAM-JOINTHIS-0000000004-store', 'KSTREAM-OUTEROTHER-0000000005-store', 'KSTREAM-OUTERSHARED-0000000004-store'])
  assert.deepEqual(left.stores.get('KSTREAM-JOINTHIS-0000000004-store')!.processors, ['KSTREAM-WINDOWED-0000000002', 'KSTREAM-OUTEROTHER-0000000005'])
  assert.deepEqual(left.copartitionGroups, [['left', 'right']])
  const changelog = left.compile('app').changelogTopics.find((c) => c.storeName === 'KSTREAM-JOINTHIS-0000000004-store')!
  assert.equal(changelog.config['retention.ms'], String(25 + 86_400_000))
  assert.deepEqual([...streamStream('join', JoinWindows.ofTimeDifferenceWithNoGrace(1)).stores.keys()], ['KSTREAM-JOINTHIS-0000000004-store', 'KSTREAM-JOINOTHER-0000000005-store'])
  const named = streamStream('outerJoin', JoinWindows.ofTimeDifferenceWithNoGrace(1), { name: 'j', storeName: 's' })
  assert.deepEqual(named.nodes.slice(2, 7).map((n) => n.name), ['j-this-windowed', 'j-other-windowed', 'j-outer-this-join', 'j-outer-other-join', 'j-merge'])
  assert.deepEqual([...named.stores.keys()], ['s-this-join-store', 's-other-join-store', 's-outer-shared-join-store'])
})

test('re-keyed streams are repartitioned before a stream-stream join', () => {
  const b = new StreamsBuilder()
  const clicks = b.stream('clicks', { key: str, value: str }).selectKey((_k, user) => user)
  const views = b.stream('views', { key: str, value: str }).selectKey((_k, user) => user)
  clicks.join(views, (c, v, user) => `${user}:${c}+${v}`, JoinWindows.ofTimeDifferenceWithNoGrace(5), { name: 'cv' }).to('out', { key: str, value: str })
  const topology = b.build()
  assert.deepEqual([...topology.internalTopics.keys()], ['cv-left-repartition', 'cv-right-repartition'])
  assert.deepEqual(topology.copartitionGroups, [['cv-left-repartition', 'cv-right-repartition']])
  const driver = new TopologyTestDriver(topology, QUIET)
  try {
    driver.createInputTopic('clicks', str, str).pipeInput('c1', 'ann', 1)
    driver.createInputTopic('views', str, str).pipeInput('v1', 'ann', 3)
    assert.deepEqual(driver.createOutputTopic('out', str, str).readKeyValuesToList(), [{ key: 'ann', value: 'ann:ann+ann' }])
  } finally {
    driver.close()
  }
})

test('the same outer join on RocksDB stores (TopologyTestDriver.create keeps the real stores)', async () => {
  const driver = await TopologyTestDriver.create(streamStream('outerJoin', JoinWindows.ofTimeDifferenceAndGrace(10, 5)), QUIET)
  try {
    const left = driver.createInputTopic('left', str, str)
    const right = driver.createInputTopic('right', str, str)
    const out = driver.createOutputTopic('out', str, str)
    left.pipeInput('k1', 'A', 0)
    right.pipeInput('k2', 'b', 1)
    left.pipeInput('k1', 'A2', 3)
    right.pipeInput('k1', 'a', 8) // joins both A and A2
    assert.deepEqual(out.readValuesToList(), ['A-a', 'A2-a'])
    left.pipeInput('k9', 'Z', 100)
    assert.deepEqual(out.readRecordsToList().map((r) => [r.key, r.value, r.timestamp]), [['k2', 'null-b', 1]])
  } finally {
    driver.close()
  }
})
