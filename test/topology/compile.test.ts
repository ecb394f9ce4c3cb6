import assert from 'node:assert/strict'
import { test } from 'node:test'
import { compile, parseTaskId, taskId, TopologyError } from '../../src/topology/compile.ts'
import { Topology } from '../../src/topology/topology.ts'
import { fakeStoreBuilder, passThrough } from './fixtures.ts'

function wordCountTopology(): Topology {
  return new Topology()
    .addSource('KSTREAM-SOURCE-0000000000', 'words')
    .addProcessor('KSTREAM-FLATMAPVALUES-0000000001', passThrough, 'KSTREAM-SOURCE-0000000000')
    .addProcessor('KSTREAM-KEY-SELECT-0000000002', passThrough, 'KSTREAM-FLATMAPVALUES-0000000001')
    .addInternalTopic({ name: 'counts-repartition', type: 'repartition', numPartitions: undefined, config: {} })
    .addSink('counts-repartition-sink', 'counts-repartition', {}, 'KSTREAM-KEY-SELECT-0000000002')
    .addSource('counts-repartition-source', 'counts-repartition')
    .addProcessor('KSTREAM-AGGREGATE-0000000003', passThrough, 'counts-repartition-source')
    .addStateStore(fakeStoreBuilder('counts', true, { 'retention.ms': '1000' }), 'KSTREAM-AGGREGATE-0000000003')
    .addProcessor('KTABLE-TOSTREAM-0000000007', passThrough, 'KSTREAM-AGGREGATE-0000000003')
    .addSink('KSTREAM-SINK-0000000008', 'word-counts', {}, 'KTABLE-TOSTREAM-0000000007')
}

test('a repartition topic splits the topology into two sub-topologies with resolved topic names', () => {
  const compiled = compile(wordCountTopology(), 'wc')
  assert.equal(compiled.subtopologies.length, 2)
  const [first, second] = compiled.subtopologies
  assert.equal(first!.id, 0)
  assert.deepEqual(first!.sourceTopics, ['words'])
  assert.deepEqual(first!.sinkTopics, ['wc-counts-repartition'])
  assert.deepEqual(
    first!.nodes.map((n) => n.name),
    ['KSTREAM-SOURCE-0000000000', 'KSTREAM-FLATMAPVALUES-0000000001', 'KSTREAM-KEY-SELECT-0000000002', 'counts-repartition-sink'],
  )
  assert.deepEqual(first!.stores, [])
  const sink = first!.nodes[3]!
  assert.equal(sink.kind === 'sink' && sink.internal && sink.topic, 'wc-counts-repartition')

  assert.equal(second!.id, 1)
  assert.deepEqual(second!.sourceTopics, ['wc-counts-repartition'])
  assert.deepEqual(second!.repartitionSourceTopics, ['wc-counts-repartition'])
  assert.deepEqual(second!.stores.map((s) => s.name), ['counts'])
  assert.equal(second!.sourceByTopic.get('wc-counts-repartition')!.name, 'counts-repartition-source')
  const agg = second!.nodes.find((n) => n.name === 'KSTREAM-AGGREGATE-0000000003')!
  assert.equal(agg.kind, 'processor')
  assert.deepEqual(agg.kind === 'processor' && agg.stores, ['counts'])
  assert.deepEqual(agg.kind === 'processor' && agg.children, ['KTABLE-TOSTREAM-0000000007'])

  assert.deepEqual(compiled.repartitionTopics.map((t) => [t.name, t.subtopology, t.writerSubtopologies, t.numPartitions]), [
    ['wc-counts-repartition', 1, [0], undefined],
  ])
  assert.equal(compiled.repartitionTopics[0]!.config['cleanup.policy'], 'delete')
  assert.deepEqual(compiled.changelogTopics.map((t) => [t.name, t.subtopology, t.storeName]), [['wc-counts-changelog', 1, 'counts']])
  assert.equal(compiled.changelogTopics[0]!.config['cleanup.policy'], 'compact')
  assert.equal(compiled.changelogTopics[0]!.config['retention.ms'], '1000')
  assert.deepEqual(second!.changelogTopics, compiled.changelogTopics)
  assert.equal(compiled.topicToSubtopology.get('words'), 0)
  assert.equal(compiled.topicToSubtopology.get('wc-counts-repartition'), 1)
  assert.deepEqual(compiled.sourceTopics, ['wc-counts-repartition', 'words'])
  assert.deepEqual(compiled.externalSourceTopics, ['words'])
  assert.equal(compiled.resolveTopic('counts-repartition'), 'wc-counts-repartition')
  assert.equal(compiled.resolveTopic('words'), 'words')
  assert.equal(compiled.subtopology(1), second)
  assert.throws(() => compiled.subtopology(7), /No sub-topology 7/)
})

test('a fixed repartition partition count is kept; stores without logging get no changelog', () => {
  const topology = new Topology()
    .addSource('s', 'in')
    .addInternalTopic({ name: 'r-repartition', type: 'repartition', numPartitions: 6, config: { 'segment.ms': '1' } })
    .addSink('k', 'r-repartition', {}, 's')
    .addSource('rs', 'r-repartition')
    .addProcessor('p', passThrough, 'rs')
    .addStateStore(fakeStoreBuilder('mem', false), 'p')
  const compiled = compile(topology, 'app')
  assert.equal(compiled.repartitionTopics[0]!.numPartitions, 6)
  assert.equal(compiled.repartitionTopics[0]!.config['segment.ms'], '1')
  assert.deepEqual(compiled.changelogTopics, [])
  assert.equal(compiled.subtopologies[1]!.stores[0]!.changelogTopic, undefined)
})

test('processors sharing a store join one sub-topology (stream-table join), like Kafka Streams', () => {
  const topology = new Topology()
    .addSource('table-source', 'table-topic')
    .addProcessor('table-materialize', passThrough, 'table-source')
    .addStateStore(fakeStoreBuilder('table-store'), 'table-materialize')
    .addSource('stream-source', 'stream-topic')
    .addProcessor('join', passThrough, 'stream-source')
    .connectProcessorAndStateStores('join', 'table-store')
    .addSink('out', 'joined', {}, 'join')
  const compiled = compile(topology, 'app')
  assert.equal(compiled.subtopologies.length, 1)
  assert.deepEqual(compiled.subtopologies[0]!.sourceTopics, ['table-topic', 'stream-topic'])
  assert.deepEqual(compiled.subtopologies[0]!.stores.map((s) => s.name), ['table-store'])
})

test('a store used on both sides of a repartition topic is an error naming the store', () => {
  const topology = new Topology()
    .addSource('s', 'in')
    .addProcessor('before', passThrough, 's')
    .addInternalTopic({ name: 'x-repartition', type: 'repartition', numPartitions: undefined, config: {} })
    .addSink('k', 'x-repartition', {}, 'before')
    .addSource('rs', 'x-repartition')
    .addProcessor('after', passThrough, 'rs')
    .addStateStore(fakeStoreBuilder('shared'), 'before', 'after')
  assert.throws(
    () => compile(topology, 'app'),
    (err: unknown) =>
      err instanceof TopologyError &&
      /State store "shared"/.test(err.message) &&
      /"before", "after"/.test(err.message) &&
      /app-x-repartition/.test(err.message),
  )
})

test('sub-topologies are numbered by their first node in insertion order, global stores included', () => {
  const topology = new Topology()
    .addGlobalStore(fakeStoreBuilder('global', false), 'g-source', 'g-topic', {}, 'g-proc', passThrough as never)
    .addSource('b', 'topic-b')
    .addSink('b-sink', 'out-b', {}, 'b')
    .addSource('a', 'topic-a')
    .addSink('a-sink', 'out-a', {}, 'a')
  const compiled = compile(topology, 'app')
  assert.deepEqual(compiled.globalStores.map((g) => [g.id, g.storeName, g.topic]), [[0, 'global', 'g-topic']])
  assert.deepEqual(compiled.subtopologies.map((s) => [s.id, s.sourceTopics]), [
    [1, ['topic-b']],
    [2, ['topic-a']],
  ])
  assert.equal(compiled.topicToSubtopology.has('g-topic'), false)
})

test('co-partition groups are resolved and merged transitively', () => {
  const topology = new Topology()
    .addInternalTopic({ name: 'r-repartition', type: 'repartition', numPartitions: undefined, config: {} })
    .addSource('a', 'A')
    .addSource('b', 'B')
    .addSource('c', 'r-repartition')
    .addSource('d', 'D')
    .copartition(['A', 'B'])
    .copartition(['B', 'r-repartition'])
    .copartition(['D'])
  const compiled = compile(topology, 'app')
  assert.deepEqual(compiled.copartitionGroups, [['A', 'B', 'app-r-repartition'], ['D']])
})

test('compile needs an application id; Topology.compile delegates', () => {
  assert.throws(() => compile(wordCountTopology(), ''), /applicationId/)
  assert.equal(wordCountTopology().compile('x').applicationId, 'x')
})

test('task ids are <subtopology>_<partition> and parse back', () => {
  assert.equal(taskId(0, 3), '0_3')
  assert.deepEqual(parseTaskId('12_7'), { subtopology: 12, partition: 7 })
  assert.throws(() => parseTaskId('0-3'), /not a task id/)
})
