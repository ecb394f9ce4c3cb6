import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MetricNames } from '../../src/instrumentation/metric-names.ts'
import type { ProcessorContext } from '../../src/processors/processor.ts'
import type { Record } from '../../src/processors/record.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { TopologyTestDriver } from '../../src/testing/topology-test-driver.ts'
import { Topology } from '../../src/topology/topology.ts'
import { total } from './metric-values.ts'

const str = Serdes.string()

test('dead-lettered records are counted per handler and source topic (kstreams:dead-letter)', async () => {
  const topology = new Topology()
    .addSource('src', 'orders', { keySerde: str, valueSerde: Serdes.json<{ poison?: boolean }>() })
    .addProcessor('check', () => {
      let ctx: ProcessorContext<string, { poison?: boolean }>
      return {
        init(c: ProcessorContext<string, { poison?: boolean }>) {
          ctx = c
        },
        process(r: Record<string, { poison?: boolean }>) {
          if (r.value.poison) throw new Error('poison')
          ctx.forward(r)
        },
      }
    }, 'src')
    .addSink('out', 'checked', { keySerde: str, valueSerde: Serdes.json() }, 'check')
  const driver = new TopologyTestDriver(topology, { applicationId: 'dlq-metrics', deserializationExceptionHandler: 'dlq', processingExceptionHandler: 'dlq', logger: { warn() {} } })
  try {
    const input = driver.createInputTopic('orders', str, str)
    input.pipeInput('a', '{}')
    input.pipeInput('b', '{not json')
    input.pipeInput('c', '{"poison": true}')
    input.pipeInput('d', '{"poison": true}')
    const r = driver.metricsRegistry!
    assert.equal(await total(r, MetricNames.deadLetterRecords, { application_id: 'dlq-metrics', handler: 'deserialization', topic: 'orders' }), 1)
    assert.equal(await total(r, MetricNames.deadLetterRecords, { handler: 'processing', topic: 'orders' }), 2)
    assert.equal(await total(r, MetricNames.recordsProcessed), 3, 'the undecodable record never reached the source node')
  } finally {
    driver.close()
  }
})
