import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createEmbeddedKafka, type EmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { silentLogger } from '../../src/instrumentation/logger.ts'
import { KafkaStreams } from '../../src/runtime/kafka-streams.ts'
import { WindowedSerdes } from '../../src/state/windowed-serdes.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { BufferConfig, Suppressed } from '../../src/topology/dsl/suppressed.ts'
import { TimeWindows } from '../../src/topology/dsl/time-windows.ts'
import { closeAfter, tempStateDir, waitFor } from '../runtime/helpers.ts'
import { num, str } from './windows-helpers.ts'

const APP = 'final-clicks'
const BUFFER_CHANGELOG = `${APP}-final-store-changelog`
const windowedKey = WindowedSerdes.timeWindowed(str, 10_000)

function app(kafka: EmbeddedKafka, stateDir: string): KafkaStreams {
  const b = new StreamsBuilder()
  b.stream('clicks', { key: str, value: str })
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeWithNoGrace(10_000))
    .count({ storeName: 'clicks-per-window', storeType: 'memory' })
    .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()).withName('final'))
    .toStream()
    .to('final-counts', { value: num })
  return new KafkaStreams(b.build(), { applicationId: APP, client: kafka, stateDir, logger: silentLogger, commitIntervalMs: 20, pollMs: 10 })
}

async function produce(kafka: EmbeddedKafka, records: Array<[string, number]>): Promise<void> {
  const producer = kafka.producer({})
  await producer.connect()
  await producer.send(records.map(([key, timestamp]) => ({ topic: 'clicks', key: Buffer.from(key), value: Buffer.from('click'), timestamp })))
  await producer.close()
}

function finalCounts(kafka: EmbeddedKafka): string[] {
  if (!kafka.hasTopic('final-counts')) return []
  return kafka.records('final-counts').map((r) => {
    const key = windowedKey.deserialize('final-counts', r.key!)
    return `${key.key}@${key.window.start} ${num.deserialize('final-counts', r.value!)}`
  })
}

test('a suppressed result buffered before a restart is emitted once after it: the buffer is restored from its changelog', async (t) => {
  using first = tempStateDir()
  using second = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic('clicks', 1)

  const before = app(kafka, first.dir)
  closeAfter(t, before)
  await before.start()
  await produce(kafka, [['a', 1_000], ['a', 2_000], ['b', 3_000]])
  // Committed: the buffer's changelog holds the latest count of both windows.
  await waitFor(() => kafka.hasTopic(BUFFER_CHANGELOG) && new Set(kafka.records(BUFFER_CHANGELOG).map((r) => r.key!.toString('latin1'))).size === 2, 5000, 'buffer changelog')
  await waitFor(() => kafka.records(`${APP}-clicks-per-window-changelog`).length === 3, 5000, 'count changelog')
  await before.close()
  assert.deepEqual(finalCounts(kafka), [], 'nothing is final before the window closes')

  // Another machine (a fresh state directory): everything comes back from the changelogs.
  const after = app(kafka, second.dir)
  closeAfter(t, after)
  await after.start()
  await produce(kafka, [['a', 4_000], ['c', 15_000]]) // a@4000 still counts; c@15000 closes [0, 10000)
  await waitFor(() => finalCounts(kafka).length === 2, 5000, 'final results')
  await produce(kafka, [['c', 16_000]])
  await waitFor(() => kafka.records(`${APP}-clicks-per-window-changelog`).length === 6, 5000, 'last record processed')
  await new Promise((resolve) => setTimeout(resolve, 100))
  await after.close()
  assert.deepEqual(finalCounts(kafka).sort(), ['a@0 3', 'b@0 1'], 'each window once, with the count from before and after the restart')
})
