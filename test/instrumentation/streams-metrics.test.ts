import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Registry } from 'prom-client'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { silentLogger } from '../../src/instrumentation/logger.ts'
import { MetricNames } from '../../src/instrumentation/metric-names.ts'
import { StreamsMetrics } from '../../src/instrumentation/streams-metrics.ts'
import type { Processor, ProcessorContext } from '../../src/processors/processor.ts'
import { KafkaStreams } from '../../src/runtime/kafka-streams.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { TimeWindows } from '../../src/topology/dsl/time-windows.ts'
import { Topology } from '../../src/topology/topology.ts'
import { closeAfter, tempStateDir, waitFor } from '../runtime/helpers.ts'
import { total } from './metric-values.ts'

const str = Serdes.string()

/** in → parity (counts odd/even as a business metric, forwards the odd ones) → out */
function parityTopology(): Topology {
  const t = new Topology()
  t.addSource('in', 'numbers', { keySerde: str, valueSerde: str })
  t.addProcessor('parity', (): Processor<string, string, string, string> => {
    let ctx: ProcessorContext<string, string>
    let parity: ReturnType<typeof makeCounter>
    const makeCounter = (c: ProcessorContext<string, string>) =>
      c.metrics.counter({ name: 'numbers_by_parity_total', help: 'Numbers seen, by parity', labelNames: ['parity'] })
    return {
      init(c) {
        ctx = c
        parity = makeCounter(c)
      },
      process(record) {
        const odd = Number(record.value) % 2 === 1
        parity.inc({ parity: odd ? 'odd' : 'even' })
        if (odd) ctx.forward(record)
      },
    }
  }, 'in')
  t.addSink('out', 'odd-numbers', { keySerde: str, valueSerde: str }, 'parity')
  return t
}

test('after 100 records: records processed, node counters, e2e latency per output record, lag 0, business metrics', async (t) => {
  using state = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic('numbers', 2)
  const registry = new Registry()
  const app = new KafkaStreams(parityTopology(), {
    applicationId: 'metrics-app', client: kafka, stateDir: state.dir, logger: silentLogger, commitIntervalMs: 20, pollMs: 10, metrics: { registry },
  })
  closeAfter(t, app)
  assert.equal(app.metricsRegistry, registry)
  await app.start()
  const producer = kafka.producer({})
  await producer.connect()
  const sentAt = Date.now() - 2_000 // event time 2 s ago: every latency lands above 1 s
  await producer.send(Array.from({ length: 100 }, (_, i) => ({ topic: 'numbers', key: Buffer.from(`k${i}`), value: Buffer.from(String(i)), timestamp: sentAt })))
  await producer.close()
  await waitFor(() => kafka.records('odd-numbers').length === 50, 10_000, '50 odd numbers out')

  const app_ = { application_id: 'metrics-app' }
  assert.equal(await total(registry, MetricNames.recordsProcessed, app_), 100)
  assert.equal(await total(registry, MetricNames.nodeRecordsProcessed, { node: 'in' }), 100)
  assert.equal(await total(registry, MetricNames.nodeRecordsProcessed, { node: 'parity' }), 100)
  assert.equal(await total(registry, MetricNames.nodeRecordsProcessed, { node: 'out' }), 50)
  assert.equal(await total(registry, MetricNames.endToEndLatency, { node: 'out' }, `${MetricNames.endToEndLatency}_count`), 50, 'one observation per output record')
  assert.equal(await total(registry, MetricNames.endToEndLatency, { node: 'out', le: 1 }, `${MetricNames.endToEndLatency}_bucket`), 0, 'records 2 s old are above the 1 s bucket')
  assert.ok((await total(registry, MetricNames.endToEndLatency, { node: 'out' }, `${MetricNames.endToEndLatency}_sum`)) >= 100, 'latency sum ≥ 50 × 2 s')
  assert.equal(await total(registry, 'numbers_by_parity_total', { parity: 'odd' }), 50)
  assert.equal(await total(registry, 'numbers_by_parity_total', { parity: 'even', node: 'parity' }), 50)
  assert.ok((await total(registry, MetricNames.polledRecords)) >= 100)
  assert.ok((await total(registry, MetricNames.rebalances)) >= 1)
  assert.equal(await total(registry, MetricNames.state, { state: 'RUNNING' }), 1)
  assert.ok((await total(registry, MetricNames.pollDuration, {}, `${MetricNames.pollDuration}_count`)) >= 1)
  assert.ok((await total(registry, MetricNames.processDuration, {}, `${MetricNames.processDuration}_count`)) >= 1)
  // Lag: both partitions processed to their end.
  const lagSamples = (await registry.getMetricsAsJSON()).find((m) => m.name === MetricNames.consumerLag)!.values
  assert.equal(lagSamples.length, 2, 'one lag per input partition')
  assert.deepEqual(lagSamples.map((s) => s.value), [0, 0])
  // Commits happen on the commit interval; wait for one to be counted.
  for (let i = 0; i < 500 && (await total(registry, MetricNames.commits)) === 0; i++) await new Promise((r) => setTimeout(r, 10))
  assert.ok((await total(registry, MetricNames.commits)) >= 1)
  assert.ok((await total(registry, MetricNames.commitDuration, {}, `${MetricNames.commitDuration}_count`)) >= 1)

  const text = await registry.metrics()
  assert.match(text, /^kstreams_records_processed_total\{application_id="metrics-app",task_id="0_0"\} \d+$/m)
  assert.match(text, /^# TYPE kstreams_end_to_end_latency_seconds histogram$/m)
  assert.match(text, /^kstreams_end_to_end_latency_seconds_bucket\{application_id="metrics-app",task_id="0_\d",node="out",le="\+Inf"\} \d+$/m)
})

test('lag is reported per input partition and is 0 once caught up, batch after batch', async (t) => {
  using state = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic('numbers', 1)
  const registry = new Registry()
  const producer = kafka.producer({})
  await producer.connect()
  await producer.send(Array.from({ length: 30 }, (_, i) => ({ topic: 'numbers', key: Buffer.from(`k${i}`), value: Buffer.from(String(i)), timestamp: 1 })))
  const app = new KafkaStreams(parityTopology(), { applicationId: 'lag-app', client: kafka, stateDir: state.dir, logger: silentLogger, commitIntervalMs: 20, pollMs: 10, metrics: { registry } })
  closeAfter(t, app)
  await app.start()
  await waitFor(() => kafka.records('odd-numbers').length === 15, 10_000, 'first batch out')
  assert.equal(await total(registry, MetricNames.consumerLag, { topic: 'numbers', partition: 0 }), 0)
  await producer.send(Array.from({ length: 10 }, (_, i) => ({ topic: 'numbers', key: Buffer.from(`j${i}`), value: Buffer.from(String(i)), timestamp: 1 })))
  await waitFor(() => kafka.records('odd-numbers').length === 20, 10_000, 'second batch out')
  assert.equal(await total(registry, MetricNames.consumerLag, { topic: 'numbers', partition: 0 }), 0)
  assert.equal(await total(registry, MetricNames.recordsProcessed), 40)
  await producer.close()
})

test('lag is 0 on a caught-up partition whose input ends in transaction markers (exactly-once), as Kafka\'s records-lag', async (t) => {
  using state = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic('numbers', 1)
  const registry = new Registry()
  const producer = kafka.producer({ transactionalId: 'lag-eos-upstream' })
  await producer.connect()
  const sendInTransaction = async (n: number, from: number): Promise<void> => {
    await producer.beginTransaction()
    await producer.send(Array.from({ length: n }, (_, i) => ({ topic: 'numbers', key: Buffer.from(`k${from + i}`), value: Buffer.from(String(from + i)), timestamp: 1 })))
    await producer.commitTransaction()
  }
  await sendInTransaction(10, 0)
  await sendInTransaction(10, 10)
  const app = new KafkaStreams(parityTopology(), { applicationId: 'lag-eos-app', client: kafka, stateDir: state.dir, logger: silentLogger, processingGuarantee: 'exactly_once', commitIntervalMs: 20, pollMs: 10, metrics: { registry } })
  closeAfter(t, app)
  await app.start()
  await waitFor(() => kafka.records('odd-numbers').length === 10, 10_000, 'first transactions out')
  // 20 records and 2 markers: the end offset is 22, the task's position 20 then 22.
  assert.equal(await total(registry, MetricNames.consumerLag, { topic: 'numbers', partition: 0 }), 0)
  await sendInTransaction(4, 20)
  await waitFor(() => kafka.records('odd-numbers').length === 12, 10_000, 'third transaction out')
  assert.equal(await total(registry, MetricNames.consumerLag, { topic: 'numbers', partition: 0 }), 0)
  await producer.close()
})

test('a lag the broker cannot answer (an error, or no answer in time) leaves lag out of the scrape, not the whole scrape', { timeout: 30_000 }, async () => {
  const registry = new Registry()
  const metrics = new StreamsMetrics('lag-down', registry)
  metrics.setLagProvider(() => Promise.reject(new Error('broker unreachable')))
  const text = await registry.metrics()
  assert.match(text, /^# TYPE kstreams_records_processed_total counter$/m)
  assert.doesNotMatch(text, /^kstreams_consumer_lag_records\{/m)
  const stalled = new StreamsMetrics('lag-stalled', new Registry(), { lagTimeoutMs: 50 })
  stalled.setLagProvider(() => new Promise(() => {})) // a broker that never answers
  assert.match(await stalled.registry.metrics(), /^# TYPE kstreams_consumer_lag_records gauge$/m, 'the scrape is answered without the lag')
  stalled.close()
  metrics.setLagProvider(() => Promise.resolve([{ topic: 't', partition: 0, lag: 3 }]))
  assert.match(await registry.metrics(), /^kstreams_consumer_lag_records\{application_id="lag-down",topic="t",partition="0"\} 3$/m)
  metrics.close()
})

test('dropped and late records are counted per task and reason; metrics: false leaves no registry', async (t) => {
  using state = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic('clicks', 1)
  const b = new StreamsBuilder()
  b.stream('clicks', { key: str, value: str }).groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(10_000)).count({ storeName: 'per-window', storeType: 'memory' })
  const registry = new Registry()
  const app = new KafkaStreams(b.build(), { applicationId: 'dropped-metrics', client: kafka, stateDir: state.dir, logger: silentLogger, commitIntervalMs: 20, pollMs: 10, metrics: { registry } })
  closeAfter(t, app)
  await app.start()
  const producer = kafka.producer({})
  await producer.connect()
  const click = (key: string | null, timestamp: number) => ({ topic: 'clicks', partition: 0, key: key === null ? null : Buffer.from(key), value: Buffer.from('x'), timestamp })
  await producer.send([click('a', 1_000), click('a', 25_000), click('a', 2_000), click(null, 26_000)])
  await producer.close()
  await waitFor(() => app.droppedRecords === 2, 5000, 'the late and the null-key record dropped')
  assert.equal(await total(registry, MetricNames.droppedRecords, { task_id: '0_0' }), 2)
  assert.equal(await total(registry, MetricNames.lateRecords, { task_id: '0_0' }), 1)
  assert.ok((await total(registry, MetricNames.storeOperations, { store: 'per-window', operation: 'put' })) >= 2, 'window store puts counted')

  const off = new KafkaStreams(parityTopology(), { applicationId: 'no-metrics', client: kafka, stateDir: state.dir, logger: silentLogger, metrics: false })
  assert.equal(off.metricsRegistry, undefined)
})
