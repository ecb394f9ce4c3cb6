import { test } from 'node:test'
import assert from 'node:assert/strict'
import { silentLogger } from '../../../src/instrumentation/logger.ts'
import { KafkaStreams } from '../../../src/runtime/kafka-streams.ts'
import { TopicLayoutError } from '../../../src/runtime/errors.ts'
import { Serdes } from '../../../src/serdes/serdes.ts'
import { StreamsBuilder } from '../../../src/topology/dsl/streams-builder.ts'
import { stateDirs } from './apps.ts'
import { brokers, client, createTopics, deleteTopics, requireServices, skip, unique } from './broker.ts'

const strings = { key: Serdes.string(), value: Serdes.string() }

function app(applicationId: string, build: (b: StreamsBuilder) => void, stateDir: string): KafkaStreams {
  const builder = new StreamsBuilder()
  build(builder)
  return new KafkaStreams(builder.build(), { applicationId, kafka: { brokers }, stateDir, logger: silentLogger })
}

test('internal topics on the real broker: created compacted with the source\'s partition count; a wrong existing count and a co-partitioning mismatch fail start() with a clear error', { skip, timeout: 120_000 }, async (t) => {
  requireServices()
  const dirs = stateDirs()
  const id = unique('topics')
  const [input, left, right] = [`${id}-in`, `${id}-left`, `${id}-right`]
  const changelog = `${id}-app-counts-changelog`
  await createTopics([{ name: input, partitions: 3 }, { name: left, partitions: 2 }, { name: right, partitions: 3 }])
  const admin = client.admin()
  t.after(async () => {
    dirs.dispose()
    await admin.close()
    await deleteTopics([input, left, right, changelog, `${id}-bad-counts-changelog`])
  })
  const count = (b: StreamsBuilder) => b.stream<string, string>(input, strings).groupByKey().count({ storeName: 'counts' })

  const ok = app(`${id}-app`, count, dirs.make())
  await ok.start()
  const described = (await admin.describeTopics([changelog])).get(changelog)
  assert.equal(described?.numPartitions, 3)
  assert.equal(described?.config['cleanup.policy'], 'compact')
  await ok.close()
  // A second start finds the topic as it should be.
  const again = app(`${id}-app`, count, dirs.make())
  await again.start()
  await again.close()

  await admin.createTopics([{ name: `${id}-bad-counts-changelog`, numPartitions: 5, config: { 'cleanup.policy': 'compact' } }])
  const bad = app(`${id}-bad`, count, dirs.make())
  await assert.rejects(bad.start(), (e: Error) => e instanceof TopicLayoutError && /has 5 partitions, but the topology needs 3/.test(e.message))
  assert.equal(bad.state, 'ERROR')

  const join = app(`${id}-join`, (b) => {
    b.table<string, string>(left, strings).join(b.table<string, string>(right, strings), (l, r) => `${l}${r}`)
  }, dirs.make())
  await assert.rejects(join.start(), (e: Error) => e instanceof TopicLayoutError && /not co-partitioned/.test(e.message) && e.message.includes(`${left}=2`) && e.message.includes(`${right}=3`))
})
