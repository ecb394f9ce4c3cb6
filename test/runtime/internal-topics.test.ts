import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { MissingSourceTopicError, TopicLayoutError } from '../../src/runtime/errors.ts'
import { prepareInternalTopics } from '../../src/runtime/internal-topics.ts'
import { Stores } from '../../src/state/stores.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { compile } from '../../src/topology/compile.ts'
import { Topology } from '../../src/topology/topology.ts'

const noop = () => ({ process() {} })

/** left + right joined (co-partitioned), counted into a store. */
function joinTopology(): Topology {
  const t = new Topology()
  t.addSource('left', 'left-topic')
  t.addSource('right', 'right-topic')
  t.addProcessor('join', noop, 'left', 'right')
  t.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('joined'), Serdes.string(), Serdes.string()), 'join')
  t.copartition(['left-topic', 'right-topic'])
  return t
}

/** source → repartition → source, with a store after the repartition. */
function repartitionTopology(numPartitions?: number): Topology {
  const t = new Topology()
  t.addSource('in', 'input')
  t.addProcessor('rekey', noop, 'in')
  t.addInternalTopic({ name: 'rekeyed-repartition', type: 'repartition', numPartitions, config: {} })
  t.addSink('to-rekeyed', 'rekeyed-repartition', {}, 'rekey')
  t.addSource('rekeyed', 'rekeyed-repartition')
  t.addProcessor('agg', noop, 'rekeyed')
  t.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('agg-store'), Serdes.string(), Serdes.string()), 'agg')
  return t
}

test('co-partitioned topics with different partition counts fail with a message naming them and their counts', async () => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('left-topic', 3)
  kafka.createTopic('right-topic', 4)
  await assert.rejects(prepareInternalTopics(kafka.admin(), compile(joinTopology(), 'app')), (error: unknown) => {
    assert.ok(error instanceof TopicLayoutError)
    assert.match(error.message, /Topics not co-partitioned: \[left-topic=3, right-topic=4\]/)
    return true
  })
  assert.equal(kafka.hasTopic('app-joined-changelog'), false, 'nothing is created when validation fails')
})

test('missing source topics are reported by name', async () => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('left-topic', 2)
  await assert.rejects(prepareInternalTopics(kafka.admin(), compile(joinTopology(), 'app')), (error: unknown) => {
    assert.ok(error instanceof MissingSourceTopicError)
    assert.deepEqual(error.topics, ['right-topic'])
    assert.match(error.message, /right-topic/)
    return true
  })
})

test('changelogs get the task count and are compacted; repartition topics take the writers\' source count', async () => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('input', 5)
  const layout = await prepareInternalTopics(kafka.admin(), compile(repartitionTopology(), 'app'))
  const described = await kafka.admin().describeTopics(['app-rekeyed-repartition', 'app-agg-store-changelog'])
  assert.equal(described.get('app-rekeyed-repartition')?.numPartitions, 5)
  assert.equal(described.get('app-rekeyed-repartition')?.config['cleanup.policy'], 'delete')
  assert.equal(described.get('app-agg-store-changelog')?.numPartitions, 5)
  assert.equal(described.get('app-agg-store-changelog')?.config['cleanup.policy'], 'compact')
  assert.deepEqual([...layout.taskCounts], [[0, 5], [1, 5]])
  assert.equal(layout.partitions.get('input'), 5)
})

test('a fixed repartition count wins, and the changelog downstream follows it', async () => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('input', 5)
  const layout = await prepareInternalTopics(kafka.admin(), compile(repartitionTopology(2), 'app'))
  assert.equal(layout.partitions.get('app-rekeyed-repartition'), 2)
  assert.equal(layout.partitions.get('app-agg-store-changelog'), 2)
  assert.deepEqual([...layout.taskCounts], [[0, 5], [1, 2]])
})

test('existing internal topics are kept, but one with the wrong partition count is an error', async () => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('input', 3)
  kafka.createTopic('app-agg-store-changelog', 3, { 'cleanup.policy': 'compact' })
  await prepareInternalTopics(kafka.admin(), compile(repartitionTopology(), 'app'))
  const again = createEmbeddedKafka()
  again.createTopic('input', 3)
  again.createTopic('app-agg-store-changelog', 7, { 'cleanup.policy': 'compact' })
  await assert.rejects(prepareInternalTopics(again.admin(), compile(repartitionTopology(), 'app')), /"app-agg-store-changelog" has 7 partitions, but the topology needs 3/)
})

test('a repartition topic co-partitioned with an external topic takes its partition count', async () => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('input', 6)
  kafka.createTopic('table', 4)
  const t = new Topology()
  t.addSource('in', 'input')
  t.addProcessor('rekey', noop, 'in')
  t.addInternalTopic({ name: 'by-id-repartition', type: 'repartition', numPartitions: undefined, config: {} })
  t.addSink('to-by-id', 'by-id-repartition', {}, 'rekey')
  t.addSource('by-id', 'by-id-repartition')
  t.addSource('table-src', 'table')
  t.addProcessor('join', noop, 'by-id', 'table-src')
  t.copartition(['by-id-repartition', 'table'])
  const compiled = compile(t, 'app')
  const layout = await prepareInternalTopics(kafka.admin(), compiled)
  assert.equal(layout.partitions.get('app-by-id-repartition'), 4)
  assert.equal((await kafka.admin().describeTopics(['app-by-id-repartition'])).get('app-by-id-repartition')?.numPartitions, 4)
})
