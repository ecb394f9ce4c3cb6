import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Topology } from '../../src/topology/topology.ts'
import { fakeStoreBuilder, passThrough } from './fixtures.ts'

test('toMermaid(): a subgraph per sub-topology, topics as parallelograms, stores as cylinders', () => {
  const topology = new Topology()
    .addSource('source', 'words')
    .addProcessor('split "words"', passThrough, 'source')
    .addInternalTopic({ name: 'counts-repartition', type: 'repartition', numPartitions: undefined, config: {} })
    .addSink('to-repartition', 'counts-repartition', {}, 'split "words"')
    .addSource('from-repartition', 'counts-repartition')
    .addProcessor('count', passThrough, 'from-repartition')
    .addProcessor('audit', passThrough, 'from-repartition')
    .addStateStore(fakeStoreBuilder('counts'), 'count', 'audit')
    .addSink('out', 'word-counts', {}, 'count')
    .addGlobalStore(fakeStoreBuilder('users', false), 'users-source', 'users', {}, 'users-processor', passThrough as never)
  assert.equal(
    topology.toMermaid(),
    [
      'flowchart TD',
      '  t0[/"words"/]',
      '  t1[/"counts-repartition"/]',
      '  t2[/"word-counts"/]',
      '  t3[/"users"/]',
      '  subgraph sub0["Sub-topology 0"]',
      '    n0(["source"])',
      '    n1["split #quot;words#quot;"]',
      '    n2(["to-repartition"])',
      '  end',
      '  subgraph sub1["Sub-topology 1"]',
      '    n3(["from-repartition"])',
      '    n4["count"]',
      '    s0[("counts")]',
      '    n5["audit"]',
      '    n6(["out"])',
      '  end',
      '  subgraph sub2["Sub-topology 2 (global store)"]',
      '    g0s(["users-source"])',
      '    g0p["users-processor"]',
      '    s1[("users")]',
      '  end',
      '  t0 --> n0',
      '  n0 --> n1',
      '  n1 --> n2',
      '  n2 --> t1',
      '  t1 --> n3',
      '  n3 --> n4',
      '  n4 -.- s0',
      '  n3 --> n5',
      '  n5 -.- s0',
      '  n4 --> n6',
      '  n6 --> t2',
      '  t3 --> g0s',
      '  g0s --> g0p',
      '  g0p -.- s1',
      '',
    ].join('\n'),
  )
})

test('toMermaid(): a sink with a topic-name extractor points at a named pseudo-topic', () => {
  const topology = new Topology().addSource('s', 'in').addSink('k', function route() { return 'x' }, {}, 's')
  assert.match(topology.toMermaid(), /t1\[\/"route\(\)"\/\]/)
  assert.match(topology.toMermaid(), /n1 --> t1/)
})
