import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import type { StreamsState } from '../../src/runtime/streams-state.ts'
import { INPUT, app, closeAfter, expectedCounts, latestCounts, produceLines, sortedEntries, tempStateDir, waitFor } from './helpers.ts'

const LINES = [
  'the quick brown fox',
  'jumps over the lazy dog',
  'The dog barks',
  'the fox runs',
  'a quick dog and a quick fox',
]

test('word count on the embedded broker gives the right counts', async (t) => {
  using state = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic(INPUT, 3)
  const streams = app(kafka, state.dir)
  closeAfter(t, streams)
  const states: [StreamsState, StreamsState][] = []
  streams.on('stateChange', (next, previous) => states.push([next, previous]))
  await streams.start()
  await produceLines(kafka, LINES)
  const expected = expectedCounts(LINES)
  await waitFor(() => latestCounts(kafka).size === expected.size && sortedEntries(latestCounts(kafka)).every(([w, n]) => expected.get(w) === n), 5000, 'counts')
  assert.deepEqual(sortedEntries(latestCounts(kafka)), sortedEntries(expected))
  assert.equal(streams.state, 'RUNNING')

  // Internal topics were created: the repartition topic with the input's partition count, the
  // changelog compacted.
  const topics = await kafka.admin().describeTopics(['wordcount-words-repartition', 'wordcount-counts-changelog'])
  assert.equal(topics.get('wordcount-words-repartition')?.numPartitions, 3)
  assert.equal(topics.get('wordcount-counts-changelog')?.numPartitions, 3)
  assert.equal(topics.get('wordcount-counts-changelog')?.config['cleanup.policy'], 'compact')

  // Interactive query of the local store.
  const counts = streams.store<string, number>('counts')
  assert.equal(counts.get('quick'), 3)
  assert.equal(counts.get('absent'), undefined)
  assert.equal([...counts.all()].length, expected.size)

  assert.equal(await streams.close({ timeoutMs: 5000 }), true)
  assert.equal(streams.state, 'NOT_RUNNING')
  assert.deepEqual(states, [
    ['REBALANCING', 'CREATED'],
    ['RUNNING', 'REBALANCING'],
    ['PENDING_SHUTDOWN', 'RUNNING'],
    ['NOT_RUNNING', 'PENDING_SHUTDOWN'],
  ])
  // Offsets were committed on close: the group resumes after the last line.
  const committed = await kafka.admin().committedOffsets('wordcount', [0, 1, 2].map((partition) => ({ topic: INPUT, partition })))
  const total = [...committed.values()].reduce((a, b) => a + b, 0)
  assert.equal(total, LINES.length)
})
