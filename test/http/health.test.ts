import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { startStreamsHttpServer } from '../../src/http/index.ts'
import { silentLogger } from '../../src/instrumentation/logger.ts'
import { KafkaStreams } from '../../src/runtime/kafka-streams.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { TimeWindows } from '../../src/topology/dsl/time-windows.ts'
import { tempStateDir, waitFor } from '../runtime/helpers.ts'
import { get } from './fetch.ts'

/**
 * A processor that throws on "boom" (the default processing handler fails) moves the instance to
 * ERROR: /livez turns 503 (a restart would help), /readyz 503 without Retry-After. The windowed
 * store beside it is not a key-value store: asking it over HTTP is a 400.
 */
test('an instance in ERROR is neither live nor ready; a window store is not queryable over HTTP', async (t) => {
  using state = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic('events', 1)
  const builder = new StreamsBuilder()
  const events = builder.stream('events', { key: Serdes.string(), value: Serdes.string() })
  events.groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(60_000)).count({ storeName: 'per-minute' })
  events.mapValues((v) => {
    if (v === 'boom') throw new Error('boom')
    return v
  })
  const streams = new KafkaStreams(builder.build(), { applicationId: 'http-health', client: kafka, stateDir: state.dir, logger: silentLogger, pollMs: 20 })
  streams.on('error', () => {})
  t.after(() => streams.close({ timeoutMs: 2000 }))
  const server = await startStreamsHttpServer(streams)
  t.after(() => server.close())
  await streams.start()
  await waitFor(() => streams.state === 'RUNNING', 10_000, 'RUNNING')
  assert.equal((await get(server.url, '/livez')).status, 200)
  assert.equal((await get(server.url, '/readyz')).status, 200)

  const windowed = await get(server.url, '/stores/per-minute/a')
  assert.equal(windowed.status, 400)
  assert.match(windowed.json.error, /not a key-value store/)

  const producer = kafka.producer({})
  await producer.connect()
  await producer.send([{ topic: 'events', key: Buffer.from('a'), value: Buffer.from('boom'), timestamp: 1000 }])
  await producer.close()
  await waitFor(() => streams.state === 'ERROR', 10_000, 'ERROR')

  const live = await get(server.url, '/livez')
  assert.equal(live.status, 503)
  assert.deepEqual(live.json, { status: 'down', state: 'ERROR' })
  const ready = await get(server.url, '/readyz')
  assert.equal(ready.status, 503)
  assert.equal(ready.json.state, 'ERROR')
  assert.equal(ready.headers.get('retry-after'), null)
  // HEAD answers the same status without a body.
  const head = await fetch(`${server.url}/livez`, { method: 'HEAD' })
  assert.equal(head.status, 503)
  assert.equal(await head.text(), '')
})
