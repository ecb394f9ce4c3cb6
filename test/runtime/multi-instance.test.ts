import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { crashForTesting } from '../../src/runtime/kafka-streams.ts'
import { INPUT, app, closeAfter, emittedCounts, expectedCounts, latestCounts, produceLines, sortedEntries, tempStateDir, waitFor } from './helpers.ts'

const BATCH_1 = Array.from({ length: 40 }, (_, i) => `alpha beta w${i % 7} w${i % 11} gamma`)
const BATCH_2 = Array.from({ length: 40 }, (_, i) => `beta w${i % 5} delta w${i % 13}`)

function matches(actual: Map<string, number>, expected: Map<string, number>): boolean {
  if (actual.size !== expected.size) return false
  for (const [w, n] of expected) if (actual.get(w) !== n) return false
  return true
}

test('two instances split the tasks; when one leaves the other takes over, restoring state with nothing lost or doubled', async (t) => {
  using stateA = tempStateDir()
  using stateB = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic(INPUT, 4)
  const a = app(kafka, stateA.dir)
  const b = app(kafka, stateB.dir)
  closeAfter(t, a, b)
  await a.start()
  await b.start()
  await waitFor(() => a.state === 'RUNNING' && b.state === 'RUNNING' && a.activeTasks().length > 0 && b.activeTasks().length > 0, 5000, 'both running')
  // 2 sub-topologies × 4 partitions, split evenly and without overlap.
  assert.equal(a.activeTasks().length, 4)
  assert.equal(b.activeTasks().length, 4)
  assert.deepEqual([...a.activeTasks(), ...b.activeTasks()].sort(), ['0_0', '0_1', '0_2', '0_3', '1_0', '1_1', '1_2', '1_3'])

  await produceLines(kafka, BATCH_1)
  const expected1 = expectedCounts(BATCH_1)
  await waitFor(() => matches(latestCounts(kafka), expected1), 5000, 'first batch counted')

  assert.equal(await b.close({ timeoutMs: 5000 }), true)
  await waitFor(() => a.activeTasks().length === 8 && a.state === 'RUNNING', 5000, 'a took over')

  await produceLines(kafka, BATCH_2)
  const expectedAll = expectedCounts([...BATCH_1, ...BATCH_2])
  await waitFor(() => matches(latestCounts(kafka), expectedAll), 5000, 'both batches counted')
  assert.deepEqual(sortedEntries(latestCounts(kafka)), sortedEntries(expectedAll))
  // Each word's counts were emitted as 1, 2, …, n exactly once: the state b built moved to a
  // through the changelog (nothing lost) and no input was processed twice (nothing doubled).
  for (const [word, counts] of emittedCounts(kafka)) {
    assert.deepEqual(counts, Array.from({ length: expectedAll.get(word)! }, (_, i) => i + 1), word)
  }
  assert.equal(a.store<string, number>('counts').get('beta'), 80)
  await a.close({ timeoutMs: 5000 })
})

test('a third instance joining takes a share, and the partitions come back when it closes', async (t) => {
  using s1 = tempStateDir()
  using s2 = tempStateDir()
  using s3 = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic(INPUT, 3)
  const apps = [app(kafka, s1.dir), app(kafka, s2.dir)]
  for (const x of apps) await x.start()
  await produceLines(kafka, BATCH_1)
  await waitFor(() => matches(latestCounts(kafka), expectedCounts(BATCH_1)), 5000, 'first batch')
  const third = app(kafka, s3.dir)
  closeAfter(t, ...apps, third)
  await third.start()
  await waitFor(() => [...apps, third].every((x) => x.state === 'RUNNING' && x.activeTasks().length === 2), 5000, 'three-way split')
  await produceLines(kafka, BATCH_2)
  await third.close()
  const expectedAll = expectedCounts([...BATCH_1, ...BATCH_2])
  await waitFor(() => matches(latestCounts(kafka), expectedAll), 5000, 'all counted')
  for (const [word, counts] of emittedCounts(kafka)) {
    assert.deepEqual(counts, Array.from({ length: expectedAll.get(word)! }, (_, i) => i + 1), word)
  }
  await waitFor(() => apps[0]!.activeTasks().length + apps[1]!.activeTasks().length === 6, 5000, 'partitions returned')
  for (const x of apps) await x.close()
})

test('at-least-once: after an instance dies without closing, the survivor takes over once it is evicted, and nothing is lost', async (t) => {
  using s1 = tempStateDir()
  using s2 = tempStateDir()
  const kafka = createEmbeddedKafka({ sessionTimeoutMs: 200, rebalanceTimeoutMs: 200 })
  kafka.createTopic(INPUT, 4)
  const doomed = app(kafka, s1.dir, { commitIntervalMs: 60_000 })
  const survivor = app(kafka, s2.dir)
  closeAfter(t, doomed, survivor)
  await doomed.start()
  await survivor.start()
  await waitFor(() => doomed.activeTasks().length === 4 && survivor.activeTasks().length === 4, 5000, 'split')
  await produceLines(kafka, BATCH_1)
  await waitFor(() => latestCounts(kafka).size > 0, 5000, 'some output')
  doomed[crashForTesting]()
  await produceLines(kafka, BATCH_2)
  await waitFor(() => survivor.activeTasks().length === 8 && survivor.state === 'RUNNING', 5000, 'survivor owns everything')
  const expectedAll = expectedCounts([...BATCH_1, ...BATCH_2])
  // At least once: uncommitted input of the dead instance is processed again, so counts may run
  // high, but none is missing.
  await waitFor(() => [...expectedAll].every(([w, n]) => (latestCounts(kafka).get(w) ?? 0) >= n), 5000, 'every word counted at least once')
})
