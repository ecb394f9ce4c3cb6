import assert from 'node:assert/strict'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { test } from 'node:test'
import { Registry } from 'prom-client'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { RESTORE_CHANNEL, type RestoreMessage } from '../../src/instrumentation/channels.ts'
import { MetricNames } from '../../src/instrumentation/metric-names.ts'
import { crashForTesting } from '../../src/runtime/kafka-streams.ts'
import { app, closeAfter, expectedCounts, latestCounts, produceLines, tempStateDir, waitFor } from '../runtime/helpers.ts'
import { samples, total } from './metric-values.ts'

test('restore metrics after a kill: records restored equal the changelog, nothing remains, a rate was measured; user restore listener still called', async (t) => {
  using state = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic('text-input', 2)
  const lines = Array.from({ length: 40 }, (_, i) => `alpha beta w${i % 7}`)
  const first = app(kafka, state.dir, { metrics: { registry: new Registry() } })
  closeAfter(t, first)
  await first.start()
  await produceLines(kafka, lines)
  const expected = expectedCounts(lines)
  await waitFor(() => [...expected].every(([w, n]) => latestCounts(kafka).get(w) === n), 10_000, 'every word counted')
  first[crashForTesting]()

  const changelog = 'wordcount-counts-changelog'
  const logged = kafka.records(changelog).length
  assert.ok(logged > 0)
  const registry = new Registry()
  const ended: string[] = []
  const published: RestoreMessage[] = []
  const onRestore = (message: unknown): void => void published.push(message as RestoreMessage)
  subscribe(RESTORE_CHANNEL, onRestore)
  t.after(() => unsubscribe(RESTORE_CHANNEL, onRestore))
  const second = app(kafka, state.dir, { metrics: { registry }, restoreListener: { onRestoreEnd: (tp, store, n) => ended.push(`${store}/${tp.partition}/${n}`) } })
  closeAfter(t, second)
  await second.start()
  await waitFor(() => second.state === 'RUNNING', 10_000, 'the second instance running')

  assert.equal(await total(registry, MetricNames.restoredRecords, { store: 'counts', topic: changelog }), logged, 'the in-memory store was rebuilt from the whole changelog')
  assert.equal(await total(registry, MetricNames.restoreRemainingRecords, { store: 'counts' }), 0)
  const rates = await samples(registry, MetricNames.restoreRate)
  assert.ok(rates.some((s) => s.value > 0), 'a restore rate was measured')
  assert.equal(ended.reduce((n, e) => n + Number(e.split('/')[2]), 0), logged, 'the user listener saw the same restore')

  // kstreams:restore: start, batches and end per changelog partition, adding up to the changelog.
  const mine = published.filter((m) => m.applicationId === 'wordcount' && m.topic === changelog)
  const sum = (phase: RestoreMessage['phase']) => mine.filter((m) => m.phase === phase).reduce((n, m) => n + m.records, 0)
  assert.deepEqual(new Set(mine.map((m) => m.store)), new Set(['counts']))
  assert.equal(mine.filter((m) => m.phase === 'start').length, mine.filter((m) => m.phase === 'end').length)
  assert.ok(mine.some((m) => m.phase === 'start'), 'restores started')
  assert.equal(sum('batch'), logged, 'batches add up to the changelog')
  assert.equal(sum('end'), logged, 'ends total the changelog')
})
