import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import type { Logger } from '../../src/instrumentation/logger.ts'
import { silentLogger } from '../../src/instrumentation/logger.ts'
import { KafkaStreams, crashForTesting, testingHooks } from '../../src/runtime/kafka-streams.ts'
import type { StreamsConfig } from '../../src/runtime/streams-config.ts'
import { INPUT, OUTPUT, closeAfter, emittedCounts, expectedCounts, latestCounts, produceLines, tempStateDir, waitFor, wordCountTopology } from './helpers.ts'

function capturingLogger(lines: string[]): Logger {
  const logger: Logger = {
    ...silentLogger,
    warn: (_obj, msg) => {
      if (msg !== undefined) lines.push(msg)
    },
    child: () => logger,
  }
  return logger
}

function eosApp(kafka: ReturnType<typeof createEmbeddedKafka>, stateDir: string, extra: Partial<StreamsConfig> & { [testingHooks]?: unknown } = {}) {
  return new KafkaStreams(wordCountTopology({ persistent: true }), {
    applicationId: 'wordcount',
    client: kafka,
    stateDir,
    logger: silentLogger,
    processingGuarantee: 'exactly_once',
    pollMs: 20,
    ...extra,
  } as StreamsConfig)
}

const sequence = (n: number) => Array.from({ length: n }, (_, i) => i + 1)

test('exactly-once: an instance killed mid-commit and restarted on the same state directory produces every count exactly once', async (t) => {
  using state = tempStateDir()
  const kafka = createEmbeddedKafka({ sessionTimeoutMs: 300, rebalanceTimeoutMs: 300 })
  kafka.createTopic(INPUT, 2)
  const batch1 = ['apple banana', 'banana cherry', 'apple apple']
  // New words only in batch 2: a store that kept the aborted writes would still have them.
  const batch2 = ['banana durian', 'elderberry apple', 'durian durian']
  let armed = false
  let crashedAt: number | undefined
  const first = eosApp(kafka, state.dir, {
    [testingHooks]: {
      // Die after the stores and the producer were flushed, before the transactions commit.
      afterCommitStep: (step: number, taskIds: string[]) => {
        // Only once the counting tasks (sub-topology 1) have uncommitted store writes.
        if (!armed || step !== 2 || !taskIds.some((id) => id.startsWith('1_'))) return false
        crashedAt = step
        return true
      },
    },
  })
  closeAfter(t, first)
  await first.start()
  await produceLines(kafka, batch1)
  await waitFor(() => latestCounts(kafka, 'read_committed').get('apple') === 3, 5000, 'batch 1 committed')
  armed = true
  await produceLines(kafka, batch2)
  await waitFor(() => crashedAt !== undefined, 5000, 'the crash')
  first[crashForTesting]()
  // The dead instance's output is written but not committed.
  assert.ok(kafka.records(OUTPUT).length > kafka.records(OUTPUT, { isolationLevel: 'read_committed' }).length)

  const warnings: string[] = []
  const restarted = eosApp(kafka, state.dir, { logger: capturingLogger(warnings) })
  closeAfter(t, restarted)
  await restarted.start()
  const expected = expectedCounts([...batch1, ...batch2])
  await waitFor(() => {
    const latest = latestCounts(kafka, 'read_committed')
    return [...expected].every(([w, n]) => latest.get(w) === n)
  }, 10_000, 'everything counted after the restart')
  await restarted.close()

  const emitted = emittedCounts(kafka, 'read_committed')
  assert.deepEqual([...emitted.keys()].sort(), [...expected.keys()].sort())
  for (const [word, counts] of emitted) assert.deepEqual(counts, sequence(expected.get(word)!), word)
  assert.ok(
    warnings.some((w) => w.includes('wiping the task state')),
    'the unclean stop under exactly-once wiped the local stores',
  )
})

test('exactly-once: a clean close writes checkpoints, so a restart does not wipe and restores nothing', async (t) => {
  using state = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic(INPUT, 2)
  const first = eosApp(kafka, state.dir)
  closeAfter(t, first)
  await first.start()
  await produceLines(kafka, ['x y', 'x'])
  await waitFor(() => latestCounts(kafka, 'read_committed').get('x') === 2, 5000, 'committed')
  await first.close()

  const warnings: string[] = []
  let restored = 0
  const again = eosApp(kafka, state.dir, {
    logger: capturingLogger(warnings),
    restoreListener: { onRestoreEnd: (_tp, _s, n) => void (restored += n) },
  })
  closeAfter(t, again)
  await again.start()
  await waitFor(() => again.state === 'RUNNING', 5000, 'running')
  assert.equal(restored, 0)
  assert.deepEqual(warnings.filter((w) => w.includes('wiping')), [])
  await produceLines(kafka, ['x'])
  await waitFor(() => latestCounts(kafka, 'read_committed').get('x') === 3, 5000, 'continued from the local store')
  await again.close()
})

test('exactly-once: a zombie instance is fenced once its tasks move, and the output stays exactly once', async (t) => {
  using s1 = tempStateDir()
  using s2 = tempStateDir()
  const kafka = createEmbeddedKafka({ sessionTimeoutMs: 200, rebalanceTimeoutMs: 200 })
  kafka.createTopic(INPUT, 2)
  const zombie = eosApp(kafka, s1.dir, { commitIntervalMs: 60_000 })
  closeAfter(t, zombie)
  await zombie.start()
  await produceLines(kafka, ['p q', 'q r'])
  // Processed, but not committed (long commit interval): the output is in open transactions.
  await waitFor(() => kafka.records('wordcount-words-repartition').length >= 4, 5000, 'zombie processed')
  zombie[crashForTesting]()
  const successor = eosApp(kafka, s2.dir)
  closeAfter(t, successor)
  await successor.start()
  await waitFor(() => latestCounts(kafka, 'read_committed').get('q') === 2, 10_000, 'successor counted')
  await successor.close()
  for (const [word, counts] of emittedCounts(kafka, 'read_committed')) assert.deepEqual(counts, sequence(counts.length), word)
  assert.deepEqual(Object.fromEntries(latestCounts(kafka, 'read_committed')), { p: 1, q: 2, r: 1 })
})
