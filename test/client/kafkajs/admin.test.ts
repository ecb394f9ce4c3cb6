import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Admin } from '../../../src/client/port.ts'
import { ready, skip, str, testClient, unique } from './helpers.ts'

describe('kafkajs adapter: admin', () => {
  const client = testClient()
  let admin: Admin
  const created: string[] = []

  before(() => {
    if (!ready()) return
    admin = client.admin()
  })

  after(async () => {
    await admin?.deleteTopics(created).catch(() => undefined)
    await client.closeAll()
  })

  it('creates missing topics with their configs, leaves existing ones alone, and describes them', { skip }, async () => {
    const changelog = unique('store-changelog')
    const repartition = unique('repartition')
    created.push(changelog, repartition)
    await admin.createTopics([
      { name: changelog, numPartitions: 3, config: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '100' } },
      { name: repartition, numPartitions: 2 },
    ])
    // Again, with other settings: nothing changes and nothing fails.
    await admin.createTopics([{ name: changelog, numPartitions: 8 }])
    const missing = unique('missing')
    const described = await admin.describeTopics([changelog, repartition, missing])
    assert.deepEqual([...described.keys()].sort(), [changelog, repartition].sort())
    assert.deepEqual(described.get(changelog), {
      name: changelog,
      numPartitions: 3,
      config: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '100' },
    })
    assert.equal(described.get(repartition)!.numPartitions, 2)
    assert.equal(described.get(repartition)!.config['cleanup.policy'], undefined, 'defaults are not listed')
  })

  it('answers end offsets (the high watermark) and nothing for unknown partitions', { skip }, async () => {
    const topic = unique('ends')
    created.push(topic)
    await admin.createTopics([{ name: topic, numPartitions: 2 }])
    const producer = client.producer({})
    await producer.connect()
    await producer.send([0, 1, 2, 3, 4].map((i) => ({ topic, partition: i % 2, key: null, value: str(`v${i}`), timestamp: i })))
    await producer.close()
    const ends = await admin.endOffsets([
      { topic, partition: 0 },
      { topic, partition: 1 },
      { topic, partition: 7 },
      { topic: unique('nope'), partition: 0 },
    ])
    assert.deepEqual(ends, new Map([[`${topic}:0`, 3], [`${topic}:1`, 2]]))
  })

  it('deletes topics (missing names are fine) and keeps answering about the others', { skip }, async () => {
    const doomed = unique('doomed')
    const kept = unique('kept')
    created.push(kept)
    await admin.createTopics([
      { name: doomed, numPartitions: 1 },
      { name: kept, numPartitions: 1 },
    ])
    assert.deepEqual(await admin.endOffsets([{ topic: doomed, partition: 0 }]), new Map([[`${doomed}:0`, 0]]))
    await admin.deleteTopics([doomed, unique('never-existed')])
    const deadline = Date.now() + 10_000
    while ((await admin.describeTopics([doomed])).size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
    assert.equal((await admin.describeTopics([doomed])).size, 0)
    // The offsets lookup had asked about the deleted topic before; it must not stay broken.
    assert.deepEqual(await admin.endOffsets([{ topic: kept, partition: 0 }]), new Map([[`${kept}:0`, 0]]))
  })

  it('answers no committed offsets for a group that never committed', { skip }, async () => {
    const topic = created[0]!
    assert.deepEqual(await admin.committedOffsets(unique('g'), [{ topic, partition: 0 }]), new Map())
  })
})
