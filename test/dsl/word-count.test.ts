import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Serdes } from '../../src/serdes/serdes.ts'
import { TopologyTestDriver } from '../../src/testing/index.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'

test('the README word count runs as written: no serdes named for the regrouping', () => {
  const builder = new StreamsBuilder()
  builder.stream('words', { key: Serdes.string(), value: Serdes.string() })
    .flatMapValues((line) => line.toLowerCase().split(/\W+/).filter(Boolean))
    .groupBy((_key, word) => word)
    .count({ storeName: 'counts' })
    .toStream()
    .to('word-counts', { key: Serdes.string(), value: Serdes.long() })

  const driver = new TopologyTestDriver(builder.build())
  try {
    const input = driver.createInputTopic('words', Serdes.string(), Serdes.string())
    const output = driver.createOutputTopic('word-counts', Serdes.string(), Serdes.long())
    input.pipeInput('line-1', 'Hello Kafka Streams', 1_000)
    input.pipeInput('line-2', 'hello, node streams!', 2_000)

    assert.deepEqual(output.readKeyValuesToList(), [
      { key: 'hello', value: 1 },
      { key: 'kafka', value: 1 },
      { key: 'streams', value: 1 },
      { key: 'hello', value: 2 },
      { key: 'node', value: 1 },
      { key: 'streams', value: 2 },
    ])
    const counts = driver.getKeyValueStore<string, number>('counts')
    assert.equal(counts.get('hello'), 2)
    assert.equal(counts.get('kafka'), 1)
    assert.equal(counts.get('missing'), undefined)
    assert.ok(driver.producedTopicNames().has('topology-test-driver-counts-repartition'))
  } finally {
    driver.close()
  }
})

test('the word-count topology has Kafka Streams node names', () => {
  const builder = new StreamsBuilder()
  builder.stream('words', { key: Serdes.string(), value: Serdes.string() })
    .flatMapValues((line) => line.split(' '))
    .groupBy((_key, word) => word)
    .count()
    .toStream()
    .to('word-counts', { key: Serdes.string(), value: Serdes.long() })
  const topology = builder.build()
  assert.deepEqual(
    topology.nodes.map((n) => n.name),
    [
      'KSTREAM-SOURCE-0000000000',
      'KSTREAM-FLATMAPVALUES-0000000001',
      'KSTREAM-KEY-SELECT-0000000002',
      'KSTREAM-FILTER-0000000006',
      'KSTREAM-SINK-0000000005',
      'KSTREAM-SOURCE-0000000007',
      'KSTREAM-AGGREGATE-0000000004',
      'KTABLE-TOSTREAM-0000000008',
      'KSTREAM-SINK-0000000009',
    ],
  )
  assert.deepEqual([...topology.stores.keys()], ['KSTREAM-AGGREGATE-STATE-STORE-0000000003'])
  assert.deepEqual([...topology.internalTopics.keys()], ['KSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition'])
})
