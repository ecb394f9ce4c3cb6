import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ProcessorContext } from '../../../src/processors/processor.ts'
import { Record } from '../../../src/processors/record.ts'
import { Serdes } from '../../../src/serdes/serdes.ts'
import { Topology } from '../../../src/topology/topology.ts'
import { consumerRecord, startTask } from './helpers.ts'

const str = { keySerde: Serdes.string(), valueSerde: Serdes.string() }

test('stream-time punctuators fire as stream time passes their schedule, skip missed intervals, and cancel', () => {
  const fired: number[] = []
  let cancel: (() => void) | undefined
  const topology = new Topology().addSource('s', 'in', str).addProcessor('p', () => ({
    init(ctx: ProcessorContext<unknown, unknown>) {
      const c = ctx.schedule(10, 'stream-time', (ts) => fired.push(ts))
      cancel = () => c.cancel()
    },
    process() {},
  }), 's')
  const { task } = startTask(topology)
  assert.equal(task.maybePunctuateStreamTime(), false, 'no stream time yet')
  const step = (offset: number, ts: number): boolean => {
    task.addRecords('in', 0, [consumerRecord('in', offset, 'k', 'v', ts)])
    task.process()
    return task.maybePunctuateStreamTime()
  }
  assert.equal(step(0, 3), true) // aligned to 0: fires at the first stream time
  assert.equal(step(1, 9), false)
  assert.equal(step(2, 10), true)
  assert.equal(step(3, 7), false) // stream time does not go back
  assert.equal(step(4, 45), true) // 20, 30, 40 missed: fires once
  assert.equal(step(5, 49), false)
  assert.equal(step(6, 50), true)
  assert.deepEqual(fired, [3, 10, 45, 50])
  cancel!()
  assert.equal(step(7, 100), false)
  assert.deepEqual(fired, [3, 10, 45, 50])
})

test('wall-clock punctuators fire when the runtime reports time past their schedule', () => {
  const fired: Array<{ ts: number; meta: unknown; forwarded: number }> = []
  const topology = new Topology().addSource('s', 'in', str).addProcessor('p', () => {
    let ctx: ProcessorContext<string, string>
    return {
      init(c: ProcessorContext<string, string>) {
        ctx = c
        c.schedule(100, 'wall-clock', (ts) => {
          fired.push({ ts, meta: c.recordMetadata(), forwarded: ts })
          ctx.forward(new Record('tick', String(ts), ts))
        })
      },
      process() {},
    }
  }, 's').addSink('out', 'ticks', str, 'p')
  const { task, collector, clock } = startTask(topology) // clock at 1000: first due at 1100
  assert.equal(task.maybePunctuateSystemTime(1050), false)
  assert.equal(task.maybePunctuateSystemTime(1100), true)
  assert.equal(task.maybePunctuateSystemTime(1150), false)
  assert.equal(task.maybePunctuateSystemTime(1450), true) // 1200..1400 missed: once, next at 1500
  clock.now = 1500
  assert.equal(task.maybePunctuateSystemTime(), true)
  assert.deepEqual(fired.map((f) => f.ts), [1100, 1450, 1500])
  assert.equal(fired[0]!.meta, undefined, 'no record metadata inside a punctuator')
  const out = collector.drain()
  assert.deepEqual(out.map((r) => [r.topic, r.value!.toString(), r.timestamp]), [
    ['ticks', '1100', 1100],
    ['ticks', '1450', 1450],
    ['ticks', '1500', 1500],
  ])
  assert.equal(task.commitNeeded, true)
})

