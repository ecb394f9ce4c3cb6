// Metrics, logging and redaction of a KafkaStreams instance on the real broker.
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { Registry } from 'prom-client'
import { MetricNames } from '../../src/instrumentation/metric-names.ts'
import { KafkaStreams } from '../../src/runtime/kafka-streams.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { capturingLogger } from '../instrumentation/capturing-logger.ts'
import { total } from '../instrumentation/metric-values.ts'
import { brokers, client, createTopics, deleteTopics, emittedCounts, eventually, produce, requireServices, skip, unique } from './runtime/broker.ts'

const VALUE_MARKER = 'value-marker-7f3a'
const KEY_MARKER = 'key-marker-91c2'

function countTopology(input: string, output: string) {
  const b = new StreamsBuilder()
  b.stream<string, string>(input, { key: Serdes.string(), value: Serdes.string() }).groupByKey().count({ storeName: 'counts' }).toStream()
    .to(output, { key: Serdes.string(), value: Serdes.long() })
  return b.build()
}

test('on the real broker: records processed, node counters, e2e latency per output record, lag 0, store operations; kafkajs and task lines in the passed logger; no keys or values at info', { skip, timeout: 120_000 }, async (t) => {
  requireServices()
  const applicationId = unique('observe')
  const input = `${applicationId}-in`
  const output = `${applicationId}-out`
  await createTopics([{ name: input, partitions: 2 }, { name: output, partitions: 2 }])
  const stateDir = mkdtempSync(join(tmpdir(), 'kstreams-observe-'))
  t.after(async () => {
    rmSync(stateDir, { recursive: true, force: true })
    await deleteTopics([input, output, `${applicationId}-counts-changelog`])
  })
  const registry = new Registry()
  const { logger, lines, text } = capturingLogger()
  const app = new KafkaStreams(countTopology(input, output), {
    applicationId, kafka: { brokers }, stateDir, logger, commitIntervalMs: 100, metrics: { registry },
  })
  t.after(() => app.close())
  await app.start()
  const records = Array.from({ length: 40 }, (_, i) => ({
    topic: input, key: Buffer.from(`${KEY_MARKER}-${i % 4}`), value: Buffer.from(`${VALUE_MARKER}-${i}`), timestamp: Date.now(),
  }))
  await produce(records)
  const emitted = await eventually(() => emittedCounts(output, 'read_uncommitted'), (m) => [...m.values()].reduce((n, l) => Math.max(n, l[l.length - 1] ?? 0), 0) === 10 && m.size === 4, 60_000, 'every key counted to 10')
  const outputs = [...emitted.values()].reduce((n, l) => n + l.length, 0)

  assert.equal(await total(registry, MetricNames.recordsProcessed, { application_id: applicationId }), 40)
  assert.equal(await total(registry, MetricNames.nodeRecordsProcessed, { node: 'KSTREAM-SOURCE-0000000000' }), 40)
  await eventually(async () => total(registry, MetricNames.endToEndLatency, {}, `${MetricNames.endToEndLatency}_count`), (n) => n === outputs, 10_000, 'one latency observation per output record')
  await eventually(async () => (await registry.getMetricsAsJSON()).find((m) => m.name === MetricNames.consumerLag)!.values, (v) => v.length === 2 && v.every((s) => s.value === 0), 20_000, 'lag 0 on both input partitions')
  assert.ok((await total(registry, MetricNames.storeOperations, { store: 'counts', operation: 'get' })) >= 40)
  assert.ok((await total(registry, MetricNames.rebalances)) >= 1)

  assert.ok(lines.some((l) => l.bindings.component === 'kafkajs'), 'kafkajs log lines arrive in the passed logger')
  assert.ok(lines.some((l) => l.bindings.component === 'task' && typeof l.bindings.taskId === 'string' && typeof l.bindings.partition === 'number'), 'task lines carry task id and partition')
  const loud = lines.filter((l) => l.level === 'info' || l.level === 'warn' || l.level === 'error')
  const loudText = JSON.stringify(loud.map((l) => [l.bindings, l.obj, l.msg]), (_k, v: unknown) => (v instanceof Error ? v.message : v))
  assert.ok(!loudText.includes(VALUE_MARKER) && !loudText.includes(KEY_MARKER), 'no record key or value at info or above')
  assert.ok(text().includes('"msg":"Starting"'))
})

test('on the real broker: lag is 0 on a caught-up exactly-once partition whose input ends in a transaction marker', { skip, timeout: 120_000 }, async (t) => {
  requireServices()
  const applicationId = unique('observe-eos-lag')
  const input = `${applicationId}-in`
  const output = `${applicationId}-out`
  await createTopics([{ name: input, partitions: 1 }, { name: output, partitions: 1 }])
  const stateDir = mkdtempSync(join(tmpdir(), 'kstreams-observe-eos-'))
  t.after(async () => {
    rmSync(stateDir, { recursive: true, force: true })
    await deleteTopics([input, output, `${applicationId}-counts-changelog`])
  })
  // The input written in a transaction, as an upstream exactly-once application writes it.
  const upstream = client.producer({ transactionalId: `${applicationId}-upstream` })
  await upstream.connect()
  t.after(() => upstream.close())
  await upstream.beginTransaction()
  await upstream.send(Array.from({ length: 10 }, (_, i) => ({ topic: input, key: Buffer.from(`k${i % 2}`), value: Buffer.from(String(i)), timestamp: Date.now() })))
  await upstream.commitTransaction()
  const registry = new Registry()
  const app = new KafkaStreams(countTopology(input, output), {
    applicationId, kafka: { brokers }, stateDir, logger: capturingLogger().logger, processingGuarantee: 'exactly_once', metrics: { registry },
  })
  t.after(() => app.close())
  await app.start()
  await eventually(() => total(registry, MetricNames.recordsProcessed, { application_id: applicationId }), (n) => n === 10, 60_000, 'the 10 records processed')
  // End offset 11 (10 records and the commit marker); Kafka's records-lag is 0 here, not 1.
  await eventually(() => total(registry, MetricNames.consumerLag, { topic: input, partition: 0 }), (lag) => lag === 0, 20_000, 'lag 0 past the marker')
})

const SASL_BROKERS = (process.env.KAFKA_SASL_BROKERS ?? `127.0.0.1:${process.env.KAFKA_SASL_PORT ?? 9094}`).split(',')
const saslProblem = await new Promise<string | undefined>((resolve) => {
  const at = SASL_BROKERS[0]!.lastIndexOf(':')
  const socket = connect({ host: SASL_BROKERS[0]!.slice(0, at), port: Number(SASL_BROKERS[0]!.slice(at + 1)), timeout: 2000 })
  socket.once('connect', () => (socket.destroy(), resolve(undefined)))
  socket.once('timeout', () => (socket.destroy(), resolve('timed out')))
  socket.once('error', (error) => resolve(error.message))
})
const saslSkip = saslProblem !== undefined && process.env.CI !== 'true' ? `no SASL listener at ${SASL_BROKERS[0]} (${saslProblem})` : false

test('a failed SASL login on the real broker: no log line carries the password, the config dump shows it redacted', { skip: saslSkip, timeout: 60_000 }, async (t) => {
  const password = 'wrong-secret-4d2e'
  const stateDir = mkdtempSync(join(tmpdir(), 'kstreams-observe-'))
  t.after(() => rmSync(stateDir, { recursive: true, force: true }))
  const { logger, text } = capturingLogger()
  const app = new KafkaStreams(countTopology('never-created-in', 'never-created-out'), {
    applicationId: unique('redact'),
    kafka: { brokers: SASL_BROKERS, sasl: { mechanism: 'plain', username: 'kstreams', password }, logLevel: 'debug' },
    stateDir,
    logger,
    metrics: false,
  })
  await assert.rejects(app.start())
  const all = text()
  assert.ok(all.includes('[redacted]'), 'the config dump shows the password redacted')
  assert.ok(!all.includes(password), 'the password is in no log line')
  assert.ok(/SASL|[Aa]uthentication/.test(all), 'the failure itself is logged')
})
