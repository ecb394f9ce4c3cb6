import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { startStreamsHttpServer } from '../../src/http/index.ts'
import { MetricNames } from '../../src/instrumentation/metric-names.ts'
import { INPUT, app, closeAfter, tempStateDir } from '../runtime/helpers.ts'
import { get } from './fetch.ts'

/**
 * `/metrics` serves the registry's Prometheus text as is, and `/api/status` sums the metrics the
 * web view draws — this application's only (the `application_id` label), other apps' left out.
 * The registry here is filled by hand with known values, so the sums are known.
 */
test('/metrics is the registry’s text; /api/status sums this application’s node, task, lag and latency metrics', async (t) => {
  using state = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic(INPUT, 1)
  const streams = app(kafka, state.dir, { applicationId: 'http-metrics' })
  closeAfter(t, streams)
  const registry = new Registry()
  const nodes = new Counter({ name: MetricNames.nodeRecordsProcessed, help: 'h', labelNames: ['application_id', 'task_id', 'node'], registers: [registry] })
  nodes.inc({ application_id: 'http-metrics', task_id: '0_0', node: 'split' }, 5)
  nodes.inc({ application_id: 'http-metrics', task_id: '0_1', node: 'split' }, 7)
  nodes.inc({ application_id: 'another-app', task_id: '0_0', node: 'split' }, 1000)
  const tasks = new Counter({ name: MetricNames.recordsProcessed, help: 'h', labelNames: ['application_id', 'task_id'], registers: [registry] })
  tasks.inc({ application_id: 'http-metrics', task_id: '0_0' }, 11)
  const lag = new Gauge({ name: MetricNames.consumerLag, help: 'h', labelNames: ['application_id', 'topic', 'partition'], registers: [registry] })
  lag.set({ application_id: 'http-metrics', topic: 'b', partition: 1 }, 3)
  lag.set({ application_id: 'http-metrics', topic: 'a', partition: 0 }, 4)
  const latency = new Histogram({ name: MetricNames.endToEndLatency, help: 'h', labelNames: ['application_id', 'task_id', 'node'], buckets: [0.01, 0.1, 1], registers: [registry] })
  latency.observe({ application_id: 'http-metrics', task_id: '1_0', node: 'out' }, 0.05)
  latency.observe({ application_id: 'http-metrics', task_id: '1_1', node: 'out' }, 0.25)
  const dead = new Counter({ name: MetricNames.deadLetterRecords, help: 'h', labelNames: ['application_id', 'handler', 'topic'], registers: [registry] })
  dead.inc({ application_id: 'http-metrics', handler: 'processing', topic: INPUT }, 2)

  const server = await startStreamsHttpServer(streams, { registry })
  t.after(() => server.close())
  const metrics = await get(server.url, '/metrics')
  assert.equal(metrics.status, 200)
  assert.equal(metrics.headers.get('content-type'), registry.contentType)
  assert.equal(metrics.text, await registry.metrics())
  assert.match(metrics.text, /^kstreams_node_records_processed_total\{application_id="http-metrics",task_id="0_1",node="split"\} 7$/m)

  const status = await get(server.url, '/api/status')
  assert.equal(status.status, 200)
  const m = status.json.metrics
  assert.deepEqual(m.nodes, { split: 12 })
  assert.deepEqual(m.tasks, { '0_0': 11 })
  assert.deepEqual(m.lag, [{ topic: 'a', partition: 0, lag: 4 }, { topic: 'b', partition: 1, lag: 3 }])
  assert.equal(m.latency.out.count, 2)
  assert.ok(Math.abs(m.latency.out.sum - 0.3) < 1e-9)
  assert.equal(m.deadLetterRecords, 2)
  assert.equal(m.droppedRecords, 0)
})
