import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { silentLogger } from '../../src/instrumentation/logger.ts'
import { KafkaStreams } from '../../src/runtime/kafka-streams.ts'
import type { ProcessingGuarantee } from '../../src/runtime/streams-config.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { INPUT, OUTPUT, closeAfter, emittedCounts, expectedCounts, latestCounts, produceLines, sortedEntries, tempStateDir, waitFor } from './helpers.ts'

/** The README word count, built with the DSL (RocksDB store by default, structured serdes inside). */
function dslWordCount(caching = false) {
  const builder = new StreamsBuilder()
  builder
    .stream(INPUT, { key: Serdes.string(), value: Serdes.string() })
    .flatMapValues((line) => line.toLowerCase().split(/\W+/).filter(Boolean))
    .groupBy((_key, word) => word)
    .count({ storeName: 'counts', caching })
    .toStream()
    .to(OUTPUT, { key: Serdes.string(), value: Serdes.long() })
  return builder.build()
}

const LINES = Array.from({ length: 30 }, (_, i) => `hello kafka w${i % 4} streams w${i % 3}`)

for (const guarantee of ['at_least_once', 'exactly_once'] as ProcessingGuarantee[]) {
  test(`a DSL word count runs on two instances (${guarantee})`, async (t) => {
    using s1 = tempStateDir()
    using s2 = tempStateDir()
    const kafka = createEmbeddedKafka()
    kafka.createTopic(INPUT, 4)
    const make = (dir: string) =>
      new KafkaStreams(dslWordCount(), {
        applicationId: 'dsl-wc',
        client: kafka,
        stateDir: dir,
        logger: silentLogger,
        processingGuarantee: guarantee,
        commitIntervalMs: 30,
        pollMs: 10,
      })
    const a = make(s1.dir)
    const b = make(s2.dir)
    closeAfter(t, a, b)
    await a.start()
    await b.start()
    await produceLines(kafka, LINES)
    const expected = expectedCounts(LINES)
    const isolation = guarantee === 'exactly_once' ? 'read_committed' : 'read_uncommitted'
    await waitFor(() => sortedEntries(latestCounts(kafka, isolation)).join() === sortedEntries(expected).join(), 5000, 'counts')
    for (const [word, counts] of emittedCounts(kafka, isolation)) {
      assert.deepEqual(counts, Array.from({ length: expected.get(word)! }, (_, i) => i + 1), word)
    }
    await b.close()
    await produceLines(kafka, ['hello again'])
    await waitFor(() => latestCounts(kafka, isolation).get('hello') === 31, 5000, 'a continues alone')
    assert.equal(a.store<string, number>('counts').get('hello'), 31)
    const withTime = a.timestampedStore<string, number>('counts').get('hello')
    assert.equal(withTime?.value, 31)
    assert.equal(typeof withTime?.timestamp, 'number')
  })
}

test('with caching, a DSL count emits fewer updates but the same final counts', async (t) => {
  using s = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic(INPUT, 2)
  const app = new KafkaStreams(dslWordCount(true), {
    applicationId: 'dsl-cached',
    client: kafka,
    stateDir: s.dir,
    logger: silentLogger,
    commitIntervalMs: 200,
    pollMs: 10,
  })
  closeAfter(t, app)
  await app.start()
  await produceLines(kafka, LINES)
  const expected = expectedCounts(LINES)
  await waitFor(() => sortedEntries(latestCounts(kafka)).join() === sortedEntries(expected).join(), 5000, 'counts')
  const emitted = [...emittedCounts(kafka).values()].reduce((n, c) => n + c.length, 0)
  const total = [...expected.values()].reduce((a, b) => a + b, 0)
  assert.ok(emitted < total, `caching collapsed updates: ${emitted} emitted for ${total} words`)
})
