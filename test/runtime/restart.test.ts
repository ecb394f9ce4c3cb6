import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { silentLogger } from '../../src/instrumentation/logger.ts'
import type { StateRestoreListener } from '../../src/runtime/changelog-restorer.ts'
import { KafkaStreams } from '../../src/runtime/kafka-streams.ts'
import { OffsetCheckpoint } from '../../src/state/checkpoint.ts'
import { INPUT, closeAfter, expectedCounts, latestCounts, produceLines, sortedEntries, tempStateDir, waitFor, wordCountTopology } from './helpers.ts'

const CHANGELOG = 'wordcount-counts-changelog'
const words = (lines: ReadonlyArray<string>) => lines.join(' ').split(/\W+/).filter(Boolean).length

function persistentApp(kafka: ReturnType<typeof createEmbeddedKafka>, stateDir: string, restoreListener?: StateRestoreListener) {
  return new KafkaStreams(wordCountTopology({ persistent: true }), {
    applicationId: 'wordcount',
    client: kafka,
    stateDir,
    logger: silentLogger,
    commitIntervalMs: 50,
    pollMs: 20,
    ...(restoreListener ? { restoreListener } : {}),
  })
}

function recordingListener() {
  const starts: { partition: number; start: number; end: number }[] = []
  let restored = 0
  const listener: StateRestoreListener = {
    onRestoreStart: (tp, _store, start, end) => starts.push({ partition: tp.partition, start, end }),
    onRestoreEnd: (_tp, _store, total) => {
      restored += total
    },
  }
  return { listener, starts, restored: () => restored }
}

test('a restart with the same state directory resumes from the checkpoint and restores only the tail', async (t) => {
  using mine = tempStateDir()
  using other = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic(INPUT, 2)
  const batch1 = ['one two three', 'two three', 'three']
  const batch2 = ['four four two', 'one five']
  const batch3 = ['three six']

  const first = persistentApp(kafka, mine.dir)
  closeAfter(t, first)
  await first.start()
  await produceLines(kafka, batch1)
  await waitFor(() => latestCounts(kafka).get('three') === 3, 5000, 'batch 1')
  await first.close()
  // The clean close checkpointed each counting task's changelog offset (Kafka's format).
  const checkpointed = new Map<number, number>()
  for (const partition of [0, 1]) {
    const file = join(mine.dir, 'wordcount', `1_${partition}`)
    assert.ok(existsSync(file), `task dir 1_${partition}`)
    for (const e of OffsetCheckpoint.forTask(file).read()) {
      assert.equal(e.topic, CHANGELOG)
      checkpointed.set(e.partition, e.offset)
    }
  }
  assert.equal(checkpointed.size > 0, true)

  // Meanwhile another machine (its own state directory) processes more: the changelog grows.
  const second = persistentApp(kafka, other.dir)
  closeAfter(t, second)
  await second.start()
  await produceLines(kafka, batch2)
  await waitFor(() => latestCounts(kafka).get('four') === 2 && latestCounts(kafka).get('one') === 2, 5000, 'batch 2')
  await second.close()

  // Back on the first machine: only what the changelog gained after the checkpoint is restored.
  const progress = recordingListener()
  const third = persistentApp(kafka, mine.dir, progress.listener)
  closeAfter(t, third)
  await third.start()
  await waitFor(() => third.state === 'RUNNING', 5000, 'running')
  assert.equal(progress.restored(), words(batch2), 'restored exactly the tail')
  for (const s of progress.starts) {
    const cp = checkpointed.get(s.partition)
    assert.equal(s.start, cp === undefined || cp < 0 ? 0 : cp + 1, `partition ${s.partition} starts after its checkpoint`)
  }
  await produceLines(kafka, batch3)
  const expected = expectedCounts([...batch1, ...batch2, ...batch3])
  await waitFor(() => latestCounts(kafka).get('six') === 1 && latestCounts(kafka).get('three') === 4, 5000, 'batch 3')
  assert.deepEqual(sortedEntries(latestCounts(kafka)), sortedEntries(expected))
  assert.equal(third.store<string, number>('counts').get('two'), 3)
  await third.close()
})

test('without a checkpoint (in-memory store) a restart restores the whole changelog', async (t) => {
  using dir = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic(INPUT, 1)
  const lines = ['a b c', 'a b', 'a']
  const make = (listener?: StateRestoreListener) =>
    new KafkaStreams(wordCountTopology(), {
      applicationId: 'wordcount',
      client: kafka,
      stateDir: dir.dir,
      logger: silentLogger,
      commitIntervalMs: 50,
      pollMs: 20,
      ...(listener ? { restoreListener: listener } : {}),
    })
  const first = make()
  closeAfter(t, first)
  await first.start()
  await produceLines(kafka, lines)
  await waitFor(() => latestCounts(kafka).get('a') === 3, 5000, 'counted')
  await first.close()
  const progress = recordingListener()
  const again = make(progress.listener)
  closeAfter(t, again)
  await again.start()
  await waitFor(() => again.state === 'RUNNING', 5000, 'running')
  assert.equal(progress.restored(), words(lines))
  await produceLines(kafka, ['a'])
  await waitFor(() => latestCounts(kafka).get('a') === 4, 5000, 'continued from restored state')
  await again.close()
})
