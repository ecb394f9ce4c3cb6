import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Topology } from '../../src/topology/topology.ts'
import { hashOrder, javaStringHash, JavaTreeSet } from '../../src/topology/java-order.ts'
import { fakeStoreBuilder, passThrough } from './fixtures.ts'

// Expected strings are Kafka Streams' own output for the same topologies (from apache/kafka's
// StreamsGraphTest and a published description), so these tests pin the format to Kafka's.

function joinTopology(step: 1 | 2 | 3): Topology {
  const t = new Topology()
    .addSource('KSTREAM-SOURCE-0000000000', 'topic')
    .addSource('KSTREAM-SOURCE-0000000001', 'other-topic')
    .addProcessor('KSTREAM-WINDOWED-0000000002', passThrough, 'KSTREAM-SOURCE-0000000000')
    .addProcessor('KSTREAM-WINDOWED-0000000003', passThrough, 'KSTREAM-SOURCE-0000000001')
    .addProcessor('KSTREAM-JOINTHIS-0000000004', passThrough, 'KSTREAM-WINDOWED-0000000002')
    .addProcessor('KSTREAM-JOINOTHER-0000000005', passThrough, 'KSTREAM-WINDOWED-0000000003')
    .addProcessor('KSTREAM-MERGE-0000000006', passThrough, 'KSTREAM-JOINTHIS-0000000004', 'KSTREAM-JOINOTHER-0000000005')
    .addStateStore(fakeStoreBuilder('KSTREAM-JOINTHIS-0000000004-store'), 'KSTREAM-WINDOWED-0000000002', 'KSTREAM-JOINOTHER-0000000005')
    .addStateStore(fakeStoreBuilder('KSTREAM-JOINOTHER-0000000005-store'), 'KSTREAM-WINDOWED-0000000003', 'KSTREAM-JOINTHIS-0000000004')
  if (step >= 2) t.addProcessor('KSTREAM-FILTER-0000000007', passThrough, 'KSTREAM-MERGE-0000000006')
  if (step >= 3) {
    t.addProcessor('KSTREAM-MAPVALUES-0000000008', passThrough, 'KSTREAM-FILTER-0000000007')
    t.addSink('KSTREAM-SINK-0000000009', 'output-topic', {}, 'KSTREAM-MAPVALUES-0000000008')
  }
  return t
}

const joinHead =
  'Topologies:\n' +
  '   Sub-topology: 0\n' +
  '    Source: KSTREAM-SOURCE-0000000000 (topics: [topic])\n' +
  '      --> KSTREAM-WINDOWED-0000000002\n' +
  '    Source: KSTREAM-SOURCE-0000000001 (topics: [other-topic])\n' +
  '      --> KSTREAM-WINDOWED-0000000003\n' +
  '    Processor: KSTREAM-WINDOWED-0000000002 (stores: [KSTREAM-JOINTHIS-0000000004-store])\n' +
  '      --> KSTREAM-JOINTHIS-0000000004\n' +
  '      <-- KSTREAM-SOURCE-0000000000\n' +
  '    Processor: KSTREAM-WINDOWED-0000000003 (stores: [KSTREAM-JOINOTHER-0000000005-store])\n' +
  '      --> KSTREAM-JOINOTHER-0000000005\n' +
  '      <-- KSTREAM-SOURCE-0000000001\n' +
  '    Processor: KSTREAM-JOINOTHER-0000000005 (stores: [KSTREAM-JOINTHIS-0000000004-store])\n' +
  '      --> KSTREAM-MERGE-0000000006\n' +
  '      <-- KSTREAM-WINDOWED-0000000003\n' +
  '    Processor: KSTREAM-JOINTHIS-0000000004 (stores: [KSTREAM-JOINOTHER-0000000005-store])\n' +
  '      --> KSTREAM-MERGE-0000000006\n' +
  '      <-- KSTREAM-WINDOWED-0000000002\n' +
  '    Processor: KSTREAM-MERGE-0000000006 (stores: [])\n'

test('describe() prints a stream-stream join exactly as Kafka Streams does (node order quirks included)', () => {
  assert.equal(
    joinTopology(1).describe(),
    joinHead + '      --> none\n' + '      <-- KSTREAM-JOINTHIS-0000000004, KSTREAM-JOINOTHER-0000000005\n\n',
  )
  assert.equal(
    joinTopology(2).describe(),
    joinHead +
      '      --> KSTREAM-FILTER-0000000007\n' +
      '      <-- KSTREAM-JOINTHIS-0000000004, KSTREAM-JOINOTHER-0000000005\n' +
      '    Processor: KSTREAM-FILTER-0000000007 (stores: [])\n' +
      '      --> none\n' +
      '      <-- KSTREAM-MERGE-0000000006\n\n',
  )
  assert.equal(
    joinTopology(3).describe(),
    joinHead +
      '      --> KSTREAM-FILTER-0000000007\n' +
      '      <-- KSTREAM-JOINTHIS-0000000004, KSTREAM-JOINOTHER-0000000005\n' +
      '    Processor: KSTREAM-FILTER-0000000007 (stores: [])\n' +
      '      --> KSTREAM-MAPVALUES-0000000008\n' +
      '      <-- KSTREAM-MERGE-0000000006\n' +
      '    Processor: KSTREAM-MAPVALUES-0000000008 (stores: [])\n' +
      '      --> KSTREAM-SINK-0000000009\n' +
      '      <-- KSTREAM-FILTER-0000000007\n' +
      '    Sink: KSTREAM-SINK-0000000009 (topic: output-topic)\n' +
      '      <-- KSTREAM-MAPVALUES-0000000008\n\n',
  )
})

test('describe(): repartitioned aggregation, a three-way branch and a global store', () => {
  const repartition = 'KSTREAM-AGGREGATE-STATE-STORE-0000000004-repartition'
  const topology = new Topology()
    .addSource('KSTREAM-SOURCE-0000000000', 'a')
    .addProcessor('lenght-filter', passThrough, 'KSTREAM-SOURCE-0000000000')
    .addProcessor('KSTREAM-MAPVALUES-0000000002', passThrough, 'lenght-filter')
    .addProcessor('KSTREAM-KEY-SELECT-0000000003', passThrough, 'KSTREAM-MAPVALUES-0000000002')
    .addProcessor('KSTREAM-FILTER-0000000007', passThrough, 'KSTREAM-KEY-SELECT-0000000003')
    .addInternalTopic({ name: repartition, type: 'repartition', numPartitions: undefined, config: {} })
    .addSink('KSTREAM-SINK-0000000006', repartition, {}, 'KSTREAM-FILTER-0000000007')
    .addSource('KSTREAM-SOURCE-0000000008', repartition)
    .addProcessor('KSTREAM-AGGREGATE-0000000005', passThrough, 'KSTREAM-SOURCE-0000000008')
    .addStateStore(fakeStoreBuilder('KSTREAM-AGGREGATE-STATE-STORE-0000000004'), 'KSTREAM-AGGREGATE-0000000005')
    .addProcessor('KTABLE-TOSTREAM-0000000009', passThrough, 'KSTREAM-AGGREGATE-0000000005')
    .addProcessor('KSTREAM-BRANCH-0000000010', passThrough, 'KTABLE-TOSTREAM-0000000009')
  for (const i of [11, 12, 13]) topology.addProcessor(`KSTREAM-BRANCHCHILD-00000000${i}`, passThrough, 'KSTREAM-BRANCH-0000000010')
  for (const i of [14, 15, 16]) topology.addSink(`KSTREAM-SINK-00000000${i}`, String(i - 14), {}, `KSTREAM-BRANCHCHILD-00000000${i - 3}`)
  topology.addGlobalStore(fakeStoreBuilder('c', false), 'KSTREAM-SOURCE-0000000017', 'customer', {}, 'KTABLE-SOURCE-0000000018', passThrough as never)
  const expected =
    'Topologies:\n' +
    '   Sub-topology: 0\n' +
    '    Source: KSTREAM-SOURCE-0000000000 (topics: [a])\n' +
    '      --> lenght-filter\n' +
    '    Processor: lenght-filter (stores: [])\n' +
    '      --> KSTREAM-MAPVALUES-0000000002\n' +
    '      <-- KSTREAM-SOURCE-0000000000\n' +
    '    Processor: KSTREAM-MAPVALUES-0000000002 (stores: [])\n' +
    '      --> KSTREAM-KEY-SELECT-0000000003\n' +
    '      <-- lenght-filter\n' +
    '    Processor: KSTREAM-KEY-SELECT-0000000003 (stores: [])\n' +
    '      --> KSTREAM-FILTER-0000000007\n' +
    '      <-- KSTREAM-MAPVALUES-0000000002\n' +
    '    Processor: KSTREAM-FILTER-0000000007 (stores: [])\n' +
    '      --> KSTREAM-SINK-0000000006\n' +
    '      <-- KSTREAM-KEY-SELECT-0000000003\n' +
    '    Sink: KSTREAM-SINK-0000000006 (topic: KSTREAM-AGGREGATE-STATE-STORE-0000000004-repartition)\n' +
    '      <-- KSTREAM-FILTER-0000000007\n' +
    '\n' +
    '  Sub-topology: 1\n' +
    '    Source: KSTREAM-SOURCE-0000000008 (topics: [KSTREAM-AGGREGATE-STATE-STORE-0000000004-repartition])\n' +
    '      --> KSTREAM-AGGREGATE-0000000005\n' +
    '    Processor: KSTREAM-AGGREGATE-0000000005 (stores: [KSTREAM-AGGREGATE-STATE-STORE-0000000004])\n' +
    '      --> KTABLE-TOSTREAM-0000000009\n' +
    '      <-- KSTREAM-SOURCE-0000000008\n' +
    '    Processor: KTABLE-TOSTREAM-0000000009 (stores: [])\n' +
    '      --> KSTREAM-BRANCH-0000000010\n' +
    '      <-- KSTREAM-AGGREGATE-0000000005\n' +
    '    Processor: KSTREAM-BRANCH-0000000010 (stores: [])\n' +
    '      --> KSTREAM-BRANCHCHILD-0000000011, KSTREAM-BRANCHCHILD-0000000012, KSTREAM-BRANCHCHILD-0000000013\n' +
    '      <-- KTABLE-TOSTREAM-0000000009\n' +
    '    Processor: KSTREAM-BRANCHCHILD-0000000011 (stores: [])\n' +
    '      --> KSTREAM-SINK-0000000014\n' +
    '      <-- KSTREAM-BRANCH-0000000010\n' +
    '    Processor: KSTREAM-BRANCHCHILD-0000000012 (stores: [])\n' +
    '      --> KSTREAM-SINK-0000000015\n' +
    '      <-- KSTREAM-BRANCH-0000000010\n' +
    '    Processor: KSTREAM-BRANCHCHILD-0000000013 (stores: [])\n' +
    '      --> KSTREAM-SINK-0000000016\n' +
    '      <-- KSTREAM-BRANCH-0000000010\n' +
    '    Sink: KSTREAM-SINK-0000000014 (topic: 0)\n' +
    '      <-- KSTREAM-BRANCHCHILD-0000000011\n' +
    '    Sink: KSTREAM-SINK-0000000015 (topic: 1)\n' +
    '      <-- KSTREAM-BRANCHCHILD-0000000012\n' +
    '    Sink: KSTREAM-SINK-0000000016 (topic: 2)\n' +
    '      <-- KSTREAM-BRANCHCHILD-0000000013\n' +
    '\n' +
    '  Sub-topology: 2 for global store (will not generate tasks)\n' +
    '    Source: KSTREAM-SOURCE-0000000017 (topics: [customer])\n' +
    '      --> KTABLE-SOURCE-0000000018\n' +
    '    Processor: KTABLE-SOURCE-0000000018 (stores: [c])\n' +
    '      --> none\n' +
    '      <-- KSTREAM-SOURCE-0000000017\n'
  assert.equal(topology.describe(), expected)
})

test('describe(): a global store added first takes id 0; extractor sinks and multi-topic sources', () => {
  const topology = new Topology()
    .addGlobalStore(fakeStoreBuilder('g', false), 'g-src', 'g-topic', {}, 'g-proc', passThrough as never)
    .addSource('src', ['t1', 't2'])
    .addSink('dyn', function byKey() { return 'x' }, {}, 'src')
  assert.equal(
    topology.describe(),
    'Topologies:\n' +
      '   Sub-topology: 0 for global store (will not generate tasks)\n' +
      '    Source: g-src (topics: [g-topic])\n' +
      '      --> g-proc\n' +
      '    Processor: g-proc (stores: [g])\n' +
      '      --> none\n' +
      '      <-- g-src\n' +
      '  Sub-topology: 1\n' +
      '    Source: src (topics: [t1, t2])\n' +
      '      --> dyn\n' +
      '    Sink: dyn (extractor class: byKey)\n' +
      '      <-- src\n\n',
  )
  assert.equal(new Topology().describe(), 'Topologies:\n ')
})

test('Java orders: String.hashCode, HashSet bucket order, TreeSet insertion against the current shape', () => {
  assert.equal(javaStringHash('hello'), 99162322)
  assert.equal(javaStringHash('KSTREAM-SOURCE-0000000000'), javaStringHash('KSTREAM-SOURCE-0000000000'))
  assert.equal(javaStringHash('polygenelubricants'), -2147483648)
  // "Aa" and "BB" collide in Java: same bucket, so insertion order decides
  assert.deepEqual(hashOrder(['BB', 'Aa']), ['BB', 'Aa'])
  assert.deepEqual(hashOrder(['Aa', 'BB']), ['Aa', 'BB'])
  const set = new JavaTreeSet<number>((a, b) => a - b)
  for (const n of [5, 1, 9, 3, 7, 2, 8, 4, 6, 0, 5]) set.add(n)
  assert.deepEqual(set.values(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
})
