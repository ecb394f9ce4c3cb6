import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Registry } from 'prom-client'
import { MetricNames } from '../../src/instrumentation/metric-names.ts'
import type { BusinessCounter } from '../../src/instrumentation/business-metrics.ts'
import type { FixedKeyProcessorContext, Processor, ProcessorContext } from '../../src/processors/processor.ts'
import type { Record } from '../../src/processors/record.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { TopologyTestDriver } from '../../src/testing/topology-test-driver.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { total } from './metric-values.ts'

const str = Serdes.string()

/** Splits amounts into small and large, counting each and observing the amounts. */
function amounts(): Processor<string, string, string, string> {
  let ctx: ProcessorContext<string, string>
  let sizes: ReturnType<typeof counter>
  let observed: ReturnType<typeof histogram>
  const counter = (c: ProcessorContext<string, string>) => c.metrics.counter({ name: 'amounts_total', help: 'Amounts by size', labelNames: ['size'] })
  const histogram = (c: ProcessorContext<string, string>) => c.metrics.histogram({ name: 'amount_value', help: 'Amounts seen', buckets: [10, 100, 1000] })
  return {
    init(c) {
      ctx = c
      sizes = counter(c)
      observed = histogram(c)
    },
    process(record) {
      const amount = Number(record.value)
      sizes.inc({ size: amount >= 100 ? 'large' : 'small' })
      observed.observe(amount)
      ctx.forward(record)
    },
  }
}

test('business metrics in the TopologyTestDriver: a registry of its own, labelled with application, task and node', () => {
  const b = new StreamsBuilder()
  b.stream('payments', { key: str, value: str }).process(amounts, { name: 'amounts' }).to('checked', { key: str, value: str })
  const driver = new TopologyTestDriver(b.build(), { applicationId: 'biz' })
  try {
    const input = driver.createInputTopic('payments', str, str)
    for (const v of ['5', '50', '500', '5000']) input.pipeInput('k', v)
    const registry = driver.metricsRegistry!
    return (async () => {
      assert.equal(await total(registry, 'amounts_total', { application_id: 'biz', task_id: '0_0', node: 'amounts', size: 'large' }), 2)
      assert.equal(await total(registry, 'amounts_total', { size: 'small' }), 2)
      assert.equal(await total(registry, 'amount_value', {}, 'amount_value_count'), 4)
      assert.equal(await total(registry, 'amount_value', { le: 100 }, 'amount_value_bucket'), 2)
      assert.equal(await total(registry, 'amount_value', {}, 'amount_value_sum'), 5555)
      // Built-in metrics come with it: 4 records in, 4 through the sink.
      assert.equal(await total(registry, MetricNames.recordsProcessed), 4)
      assert.equal(await total(registry, MetricNames.nodeRecordsProcessed, { node: 'amounts' }), 4)
      assert.equal(await total(registry, MetricNames.endToEndLatency, {}, `${MetricNames.endToEndLatency}_count`), 4)
    })().finally(() => driver.close())
  } catch (error) {
    driver.close()
    throw error
  }
})

test('two drivers never share a registry by default; metrics: false turns context.metrics into no-ops', async () => {
  const build = () => {
    const b = new StreamsBuilder()
    b.stream('payments', { key: str, value: str }).process(amounts, { name: 'amounts' }).to('checked', { key: str, value: str })
    return b.build()
  }
  const one = new TopologyTestDriver(build())
  const two = new TopologyTestDriver(build())
  const off = new TopologyTestDriver(build(), { metrics: false })
  try {
    one.createInputTopic('payments', str, str).pipeInput('k', '1')
    off.createInputTopic('payments', str, str).pipeInput('k', '1')
    assert.notEqual(one.metricsRegistry, two.metricsRegistry)
    assert.equal(await total(one.metricsRegistry!, 'amounts_total'), 1)
    assert.deepEqual((await two.metricsRegistry!.getMetricsAsJSON()).find((m) => m.name === 'amounts_total')?.values, [], 'created, nothing counted in the other driver')
    assert.equal(off.metricsRegistry, undefined)
    assert.equal(off.createOutputTopic('checked', str, str).readValue(), '1')
  } finally {
    one.close()
    two.close()
    off.close()
  }
})

test('a passed registry is used; scope labels cannot be redefined; label names are checked by the compiler', () => {
  const registry = new Registry()
  const b = new StreamsBuilder()
  let failure: unknown
  b.stream('in', { key: str, value: str }).process((): Processor<string, string, never, never> => ({
    init(c) {
      const outcomes = c.metrics.counter({ name: 'outcomes_total', help: 'h', labelNames: ['outcome'] })
      outcomes.inc({ outcome: 'ok' })
      if (Math.random() > 2) {
        // @ts-expect-error: 'result' is not one of the declared label names
        outcomes.inc({ result: 'ok' })
        // @ts-expect-error: a counter without label names takes no labels
        c.metrics.counter({ name: 'plain_total', help: 'h' }).inc({ outcome: 'ok' })
      }
      const plain = c.metrics.counter({ name: 'plain_total', help: 'h' })
      plain.inc()
      plain.inc(2)
      try {
        c.metrics.counter({ name: 'bad_total', help: 'h', labelNames: ['node'] })
      } catch (error) {
        failure = error
      }
    },
    process() {},
  }))
  const driver = new TopologyTestDriver(b.build(), { metrics: { registry } })
  driver.close()
  assert.equal(driver.metricsRegistry, registry)
  assert.match(String(failure), /label "node" is added by kstreams/)
  assert.ok(registry.getSingleMetric('plain_total'))
})

test('processValues gets context.metrics too, scoped to its own node', async () => {
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: str })
    .processValues(() => {
      let ctx: FixedKeyProcessorContext<string, string>
      let seen: BusinessCounter<never>
      return {
        init(c: FixedKeyProcessorContext<string, string>) {
          ctx = c
          seen = c.metrics.counter({ name: 'values_seen_total', help: 'Values seen' })
        },
        process(r: Record<string, string>) {
          seen.inc()
          ctx.forward(r)
        },
      }
    }, { name: 'seen' })
    .to('out', { key: str, value: str })
  const driver = new TopologyTestDriver(b.build())
  try {
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('a', '1')
    input.pipeInput('b', '2')
    assert.equal(await total(driver.metricsRegistry!, 'values_seen_total', { node: 'seen', task_id: '0_0' }), 2)
  } finally {
    driver.close()
  }
})
