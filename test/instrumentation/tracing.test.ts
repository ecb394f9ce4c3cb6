import assert from 'node:assert/strict'
import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel'
import { test } from 'node:test'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { COMMIT_CHANNEL, PROCESS_CHANNEL, REBALANCE_CHANNEL, type ProcessMessage } from '../../src/instrumentation/channels.ts'
import { silentLogger } from '../../src/instrumentation/logger.ts'
import { parseTraceparent } from '../../src/instrumentation/trace-context.ts'
import { KafkaStreams } from '../../src/runtime/kafka-streams.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { TopologyTestDriver } from '../../src/testing/topology-test-driver.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { closeAfter, tempStateDir, waitFor } from '../runtime/helpers.ts'

const str = Serdes.string()
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const PARENT_SPAN = '00f067aa0ba902b7'
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_SPAN}-01`

/** in → selectKey → repartition → mapValues → out: two sub-topologies joined by a repartition topic. */
function rekeyed() {
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: str })
    .selectKey((_k, v) => v.split(':')[0]!)
    .repartition({ name: 'by-user', key: str, value: str })
    .mapValues((v) => v.toUpperCase())
    .to('out', { key: str, value: str })
  return b.build()
}

test('without OpenTelemetry: traceparent and tracestate go from the input record to the output, through the repartition topic, once', () => {
  const driver = new TopologyTestDriver(rekeyed(), { applicationId: 'trace-driver' })
  try {
    driver.createInputTopic('in', str, str).pipeRecord({ key: 'k', value: 'ann:hello', headers: { traceparent: TRACEPARENT, tracestate: 'vendor=1', other: 'x' } })
    const repartition = [...driver.producedTopicNames()].find((t) => t.endsWith('-repartition'))!
    assert.ok(repartition, 'a repartition topic was written')
    for (const topic of [repartition, 'out']) {
      const record = driver.createOutputTopic(topic, str, str).readRecord()
      assert.equal(String(record.headers.traceparent), TRACEPARENT, topic)
      assert.equal(String(record.headers.tracestate), 'vendor=1', topic)
      assert.deepEqual(Object.keys(record.headers).sort(), ['other', 'traceparent', 'tracestate'], `${topic}: each header once`)
    }
  } finally {
    driver.close()
  }
})

test('kstreams:process is a tracing channel: start and end around each record, error when it throws; nothing published without subscribers', () => {
  const events: string[] = []
  const channel = tracingChannel<unknown, ProcessMessage>(PROCESS_CHANNEL)
  const handlers = {
    start: (m: ProcessMessage) => events.push(`start ${m.taskId} ${m.node} ${m.topic}@${m.offset}`),
    end: (m: ProcessMessage) => events.push(`end ${m.taskId}`),
    asyncStart: () => {},
    asyncEnd: () => {},
    error: (m: ProcessMessage) => events.push(`error ${String((m.error as Error).message)}`),
  }
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: str }).mapValues((v) => {
    if (v === 'bad') throw new Error('bad value')
    return v
  }).to('out', { key: str, value: str })
  const driver = new TopologyTestDriver(b.build(), { processingExceptionHandler: 'continue', logger: { warn() {} } })
  try {
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('k', 'before') // nobody listens yet
    channel.subscribe(handlers)
    input.pipeInput('k', 'good')
    input.pipeInput('k', 'bad')
    channel.unsubscribe(handlers)
    input.pipeInput('k', 'after')
    assert.deepEqual(events, ['start 0_0 KSTREAM-SOURCE-0000000000 in@1', 'end 0_0', 'start 0_0 KSTREAM-SOURCE-0000000000 in@2', 'error bad value', 'end 0_0'])
  } finally {
    driver.close()
  }
})

test('OpenTelemetry: one CONSUMER span per record per sub-topology, messaging attributes, child of the incoming traceparent; outputs carry the span context', async (t) => {
  using state = tempStateDir()
  const exporter = new InMemorySpanExporter()
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  const kafka = createEmbeddedKafka()
  kafka.createTopic('in', 1)
  kafka.createTopic('out', 1)
  const rebalances: unknown[] = []
  const commits: unknown[] = []
  const onRebalance = (m: unknown) => rebalances.push(m)
  subscribe(REBALANCE_CHANNEL, onRebalance)
  const commitHandlers = { start: () => {}, end: (m: unknown) => commits.push(m), asyncStart: () => {}, asyncEnd: () => {}, error: () => {} }
  tracingChannel(COMMIT_CHANNEL).subscribe(commitHandlers)
  t.after(() => {
    unsubscribe(REBALANCE_CHANNEL, onRebalance)
    tracingChannel(COMMIT_CHANNEL).unsubscribe(commitHandlers)
  })
  const app = new KafkaStreams(rekeyed(), {
    applicationId: 'otel-app', client: kafka, stateDir: state.dir, logger: silentLogger, commitIntervalMs: 20, pollMs: 10, metrics: false, tracing: { tracerProvider },
  })
  closeAfter(t, app)
  await app.start()
  const producer = kafka.producer({})
  await producer.connect()
  await producer.send([
    { topic: 'in', key: Buffer.from('k1'), value: Buffer.from('ann:traced'), timestamp: Date.now(), headers: { traceparent: Buffer.from(TRACEPARENT) } },
    { topic: 'in', key: Buffer.from('k2'), value: Buffer.from('bob:untraced'), timestamp: Date.now(), headers: {} },
  ])
  await producer.close()
  await waitFor(() => kafka.records('out').length === 2, 10_000, 'both records out')
  await waitFor(() => commits.length > 0, 10_000, 'a commit traced')

  const spans = exporter.getFinishedSpans()
  assert.equal(spans.length, 4, 'two records × two sub-topologies')
  for (const s of spans) {
    assert.equal(s.kind, 3, 'CONSUMER')
    assert.equal(s.attributes['messaging.system'], 'kafka')
    assert.equal(s.attributes['messaging.operation.type'], 'process')
    assert.equal(s.attributes['messaging.consumer.group.name'], 'otel-app')
    assert.equal(typeof s.attributes['messaging.kafka.offset'], 'number')
    assert.equal(s.name, `process ${s.attributes['messaging.destination.name']}`)
  }
  const first = spans.find((s) => s.attributes['messaging.destination.name'] === 'in' && s.spanContext().traceId === TRACE_ID)!
  assert.ok(first, 'the traced record continues the incoming trace')
  assert.equal(first.parentSpanContext?.spanId, PARENT_SPAN)
  const second = spans.find((s) => String(s.attributes['messaging.destination.name']).endsWith('-repartition') && s.spanContext().traceId === TRACE_ID)!
  assert.equal(second.parentSpanContext?.spanId, first.spanContext().spanId, 'across the repartition topic, the downstream span is a child of the upstream one')
  const out = kafka.records('out').find((r) => r.value!.toString() === 'ANN:TRACED')!
  assert.deepEqual(parseTraceparent(out.headers.traceparent), { traceId: TRACE_ID, spanId: second.spanContext().spanId, traceFlags: 1 }, 'the output carries the last span')
  const untraced = spans.filter((s) => s.spanContext().traceId !== TRACE_ID)
  assert.equal(untraced.length, 2)
  assert.equal(untraced[0]!.parentSpanContext, undefined, 'a record without traceparent starts a trace')

  assert.ok(rebalances.some((m) => (m as { phase: string }).phase === 'assigned'), 'kstreams:rebalance published the assignment')
  assert.equal((commits[0] as { applicationId: string }).applicationId, 'otel-app')
})

test('OpenTelemetry through the global tracer provider: no spans before an SDK registers, spans after; tracing: false never makes any', async (t) => {
  const { trace } = await import('@opentelemetry/api')
  using state = tempStateDir()
  const exporter = new InMemorySpanExporter()
  const kafka = createEmbeddedKafka()
  kafka.createTopic('in', 1)
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: str }).to('out', { key: str, value: str })
  const topology = b.build()
  const common = { client: kafka, stateDir: state.dir, logger: silentLogger, commitIntervalMs: 20, pollMs: 10, metrics: false as const }
  const app = new KafkaStreams(topology, { applicationId: 'otel-global', ...common })
  const off = new KafkaStreams(topology, { applicationId: 'otel-off', ...common, tracing: false })
  closeAfter(t, app, off)
  await app.start()
  await off.start()
  const producer = kafka.producer({})
  await producer.connect()
  await producer.send([{ topic: 'in', key: null, value: Buffer.from('one'), timestamp: 1 }])
  await waitFor(() => kafka.records('out').length === 2, 10_000, 'both apps wrote the first record')
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }))
  t.after(() => trace.disable())
  await producer.send([{ topic: 'in', key: null, value: Buffer.from('two'), timestamp: 2 }])
  await producer.close()
  await waitFor(() => kafka.records('out').length === 4, 10_000, 'both apps wrote the second record')
  const spans = exporter.getFinishedSpans()
  assert.deepEqual(spans.map((s) => s.attributes['messaging.consumer.group.name']), ['otel-global'], 'one span: the second record, in the app with tracing on')
})
