import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { silentLogger } from '../../src/instrumentation/logger.ts'
import { KafkaStreams } from '../../src/runtime/kafka-streams.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { TimeWindows } from '../../src/topology/dsl/time-windows.ts'
import { closeAfter, tempStateDir, waitFor } from './helpers.ts'

const str = Serdes.string()

test('KafkaStreams.droppedRecords counts late and null-key records over the tasks it ran, and keeps the count after close', async (t) => {
  using state = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic('clicks', 2)
  const b = new StreamsBuilder()
  b.stream('clicks', { key: str, value: str })
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeWithNoGrace(10_000))
    .count({ storeName: 'per-window', storeType: 'memory' })
  const app = new KafkaStreams(b.build(), { applicationId: 'dropped', client: kafka, stateDir: state.dir, logger: silentLogger, commitIntervalMs: 20, pollMs: 10 })
  closeAfter(t, app)
  assert.equal(app.droppedRecords, 0, 'nothing before start()')
  await app.start()

  const producer = kafka.producer({})
  await producer.connect()
  const click = (key: string | null, timestamp: number) => ({ topic: 'clicks', partition: 0, key: key === null ? null : Buffer.from(key), value: Buffer.from('x'), timestamp })
  // Stream time reaches 25 s, so the window [0, 10 s) has closed when the record at 2 s arrives.
  await producer.send([click('a', 1_000), click('a', 25_000), click('a', 2_000), click(null, 26_000)])
  await producer.close()
  await waitFor(() => app.droppedRecords === 2, 5000, 'the late and the null-key record counted')

  await app.close()
  assert.equal(app.droppedRecords, 2, 'closed tasks keep their count')
})
