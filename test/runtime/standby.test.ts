import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { silentLogger } from '../../src/instrumentation/logger.ts'
import { crashForTesting, KafkaStreams } from '../../src/runtime/kafka-streams.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { INPUT, closeAfter, expectedCounts, latestCounts, produceLines, sortedEntries, tempStateDir, waitFor, wordCountTopology } from './helpers.ts'

const LINES = Array.from({ length: 60 }, (_, i) => `alpha beta w${i % 7} w${i % 11}`)

function instance(kafka: ReturnType<typeof createEmbeddedKafka>, stateDir: string, server: string, restored: { n: number }) {
  return new KafkaStreams(wordCountTopology({ persistent: true }), {
    applicationId: 'wordcount',
    client: kafka,
    stateDir,
    logger: silentLogger,
    commitIntervalMs: 50,
    pollMs: 20,
    numStandbyReplicas: 1,
    applicationServer: server,
    restoreListener: { onRestoreEnd: (_tp, _store, total) => void (restored.n += total) },
  })
}

test('standbys mirror the other instance\'s stateful tasks, are promoted without restoring, and metadata names the hosts', async (t) => {
  using stateA = tempStateDir()
  using stateB = tempStateDir()
  const kafka = createEmbeddedKafka({ sessionTimeoutMs: 200, rebalanceTimeoutMs: 200 })
  kafka.createTopic(INPUT, 2)
  const restoredA = { n: 0 }
  const a = instance(kafka, stateA.dir, 'a.local:1', restoredA)
  const b = instance(kafka, stateB.dir, 'b.local:2', { n: 0 })
  closeAfter(t, a, b)
  await a.start()
  await b.start()
  await waitFor(() => a.state === 'RUNNING' && b.state === 'RUNNING' && a.activeTasks().length === 2 && b.activeTasks().length === 2, 5000, 'both running')
  // Sub-topology 1 (the count) is stateful: its tasks have a standby on the other instance; 0 (split) has none.
  await waitFor(() => a.standbyTasks().length + b.standbyTasks().length === 2, 5000, 'standbys')
  for (const id of a.standbyTasks()) assert.ok(b.activeTasks().includes(id) && id.startsWith('1_'))
  for (const id of b.standbyTasks()) assert.ok(a.activeTasks().includes(id) && id.startsWith('1_'))

  const meta = a.queryMetadataForKey('counts', 'alpha', Serdes.string())!
  const owner = a.activeTasks().includes(`1_${meta.partition}`) ? 'a.local' : 'b.local'
  assert.equal(meta.activeHost?.host, owner)
  assert.deepEqual(meta.standbyHosts.map((h) => h.host), [owner === 'a.local' ? 'b.local' : 'a.local'])
  assert.deepEqual(a.allMetadata().map((m) => [m.hostInfo.host, m.hostInfo.port]), [['a.local', 1], ['b.local', 2]])
  assert.deepEqual(a.allMetadata()[0]!.activeTasks, a.activeTasks())
  assert.equal(a.queryMetadataForKey('no-such-store', 'x', Serdes.string()), undefined)

  await produceLines(kafka, LINES)
  await waitFor(() => latestCounts(kafka).get('alpha') === 60, 5000, 'counted')
  await new Promise((resolve) => setTimeout(resolve, 300)) // standbys catch up and checkpoint
  const before = restoredA.n
  b[crashForTesting]()
  await waitFor(() => a.activeTasks().length === 4 && a.state === 'RUNNING', 10_000, 'a took over')
  assert.equal(restoredA.n - before, 0, 'the promoted standby had everything: nothing to restore')
  await produceLines(kafka, ['alpha omega'])
  const expected = expectedCounts([...LINES, 'alpha omega'])
  await waitFor(() => latestCounts(kafka).get('omega') === 1, 5000, 'after the promotion')
  assert.deepEqual(sortedEntries(latestCounts(kafka)), sortedEntries(expected))
})
