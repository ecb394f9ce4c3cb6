import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Processor, ProcessorContext } from '../../../src/processors/processor.ts'
import { Record } from '../../../src/processors/record.ts'
import { ProcessingError } from '../../../src/runtime/task/errors.ts'
import { Serdes } from '../../../src/serdes/serdes.ts'
import type { KeyValueStore } from '../../../src/state/store.ts'
import { Topology } from '../../../src/topology/topology.ts'
import { mapStoreBuilder } from './fixtures.ts'
import { consumerRecord, drainAll, halfWriter, recorder, startTask } from './helpers.ts'

const str = { keySerde: Serdes.string(), valueSerde: Serdes.string() }

test('the next record is the lowest-timestamp head across partitions; stream time is the max seen', () => {
  const seen: Parameters<typeof recorder>[0] = []
  const topology = new Topology()
    .addSource('a', 'A', str)
    .addSource('b', 'B', str)
    .addProcessor('p', recorder(seen, 'p'), 'a', 'b')
  const { task } = startTask(topology)
  task.addRecords('A', 0, [consumerRecord('A', 0, 'k', 'a1', 1), consumerRecord('A', 1, 'k', 'a4', 4), consumerRecord('A', 2, 'k', 'a5', 5)])
  task.addRecords('B', 0, [consumerRecord('B', 0, 'k', 'b2', 2), consumerRecord('B', 1, 'k', 'b3', 3), consumerRecord('B', 2, 'k', 'b0', 0)])
  assert.equal(task.numBuffered(), 6)
  assert.equal(task.allPartitionsBuffered(), true)
  assert.equal(drainAll(task), 6)
  // b0 waits behind b3 (order within a partition never changes), then its low timestamp wins
  assert.deepEqual(seen.map((s) => s.value), ['a1', 'b2', 'b3', 'b0', 'a4', 'a5'])
  assert.deepEqual(seen.map((s) => s.timestamp), [1, 2, 3, 0, 4, 5])
  assert.deepEqual(seen.map((s) => s.streamTime), [1, 2, 3, 3, 4, 5])
  assert.equal(task.streamTime, 5)
  assert.equal(task.allPartitionsBuffered(), false)
  assert.deepEqual(task.prepareCommit(), [
    { topic: 'A', partition: 0, offset: 3 },
    { topic: 'B', partition: 0, offset: 3 },
  ])
})

test('forward(record, childName) reaches only that child; an unknown child is a clear error', () => {
  const seen: Parameters<typeof recorder>[0] = []
  let target = 'right'
  const topology = new Topology()
    .addSource('s', 'in', str)
    .addProcessor('router', () => {
      let ctx: ProcessorContext<unknown, unknown>
      return {
        init: (c: ProcessorContext<unknown, unknown>) => void (ctx = c),
        process: (r: Record<unknown, unknown>) => ctx.forward(r, target),
      }
    }, 's')
    .addProcessor('left', recorder(seen, 'left'), 'router')
    .addProcessor('right', recorder(seen, 'right'), 'router')
  const { task } = startTask(topology)
  task.addRecords('in', 0, [consumerRecord('in', 0, 'k', 'v1', 1)])
  task.process()
  assert.deepEqual(seen.map((s) => s.node), ['right'])
  target = 'nowhere'
  task.addRecords('in', 0, [consumerRecord('in', 1, 'k', 'v2', 2)])
  assert.throws(() => task.process(), (err: unknown) =>
    err instanceof ProcessingError &&
    err.node === 'router' &&
    /no child named "nowhere" \(its children: "left", "right"\)/.test(err.message))
})

test('getStateStore: connected stores only, with a clear error otherwise; global stores are open to all', () => {
  const results: string[] = []
  const global = new Map([['global-store', mapStoreBuilder('global-store', false).build()]])
  const attempt = (name: string) => () => ({
    init(ctx: ProcessorContext<unknown, unknown>) {
      try {
        results.push(`${name}:${ctx.getStateStore<KeyValueStore<string, number>>(name).name}`)
      } catch (error) {
        results.push(`${name}:${(error as Error).message}`)
      }
    },
    process() {},
  })
  const topology = new Topology()
    .addSource('s', 'in', str)
    .addProcessor('owner', attempt('mine'), 's')
    .addProcessor('stranger', attempt('mine'), 's')
    .addProcessor('lost', attempt('missing'), 's')
    .addProcessor('g', attempt('global-store'), 's')
    .addStateStore(mapStoreBuilder('mine'), 'owner')
  startTask(topology, { globalStores: global })
  assert.equal(results[0], 'mine:mine')
  assert.match(results[1]!, /^mine:Processor "stranger" has no access to state store "mine": the store is not connected to it/)
  assert.match(results[1]!, /connectProcessorAndStateStores\("stranger", "mine"\)/)
  assert.match(results[2]!, /^missing:Processor "lost" asked for state store "missing", which is not in this task/)
  assert.equal(results[3], 'global-store:global-store')
})

test('forwarded records keep the input timestamp unless the processor sets one; null bytes stay null', () => {
  const topology = new Topology()
    .addSource('s', 'in', str)
    .addProcessor('p', () => {
      let ctx: ProcessorContext<unknown, unknown>
      return {
        init: (c: ProcessorContext<unknown, unknown>) => void (ctx = c),
        process(r: Record<unknown, unknown>) {
          ctx.forward(r)
          ctx.forward(r.withTimestamp(r.timestamp + 1000).withValue(`${String(r.key)}/${String(r.value)}`))
        },
      }
    }, 's')
    .addSink('out', 'out', str, 'p')
  const { task, collector } = startTask(topology)
  task.addRecords('in', 0, [consumerRecord('in', 0, null, null, 5), consumerRecord('in', 1, 'k', 'v', 6)])
  drainAll(task)
  assert.deepEqual(collector.drain().map((r) => [r.key?.toString() ?? null, r.value?.toString() ?? null, r.timestamp]), [
    [null, null, 5],
    [null, 'null/null', 1005],
    ['k', 'v', 6],
    ['k', 'k/v', 1006],
  ])
})

test('a timestamp extractor decides event time; invalid timestamps are skipped with a warning', () => {
  const seen: Parameters<typeof recorder>[0] = []
  const topology = new Topology()
    .addSource('s', 'in', {
      keySerde: Serdes.string(),
      valueSerde: Serdes.json<{ at: number }>(),
      timestampExtractor: (record, partitionTime) => ((record.value as { at: number }).at === -1 ? partitionTime - 1000 : (record.value as { at: number }).at),
    })
    .addProcessor('p', recorder(seen, 'p'), 's')
  const { task, warnings } = startTask(topology)
  const json = (at: number): string => JSON.stringify({ at })
  task.addRecords('in', 0, [consumerRecord('in', 0, 'k', json(500), 1), consumerRecord('in', 1, 'k', json(-1), 2), consumerRecord('in', 2, 'k', json(700), 3)])
  drainAll(task)
  assert.deepEqual(seen.map((s) => s.timestamp), [500, 700])
  assert.equal(warnings.length, 1)
  assert.match(warnings[0]!.message, /invalid timestamp -500/)
})

test('sinks: topic extractor, partitioner, string headers encoded, metadata and ids in the context', () => {
  const metas: unknown[] = []
  const topology = new Topology()
    .addSource('s', 'in', str)
    .addProcessor('p', () => {
      let ctx: ProcessorContext<unknown, unknown>
      return {
        init: (c: ProcessorContext<unknown, unknown>) => void (ctx = c),
        process(r: Record<unknown, unknown>) {
          metas.push([ctx.applicationId, ctx.taskId, ctx.recordMetadata(), ctx.currentSystemTimeMs()])
          ctx.forward(r.withHeaders({ h: 'text', b: Buffer.from([1]) }))
        },
      }
    }, 's')
    .addSink('dynamic', (r) => `out-${String(r.key)}`, str, 'p')
    .addSink('partitioned', 'fixed', { ...str, partitioner: (_t, key, _v, n) => (key === 'none' ? undefined : n - 1) }, 'p')
  const { task, collector } = startTask(topology, {}, 0, 2)
  task.addRecords('in', 2, [consumerRecord('in', 9, 'x', 'v', 1, 2), consumerRecord('in', 10, 'none', 'v', 2, 2)])
  drainAll(task)
  assert.deepEqual(metas[0], ['app', '0_2', { topic: 'in', partition: 2, offset: 9 }, 1000])
  const out = collector.drain()
  assert.deepEqual(out.map((r) => [r.topic, r.partition]), [['out-x', undefined], ['fixed', 3], ['out-none', undefined], ['fixed', undefined]])
  assert.deepEqual(out[0]!.headers, { h: Buffer.from('text'), b: Buffer.from([1]) })
})

test('context.commit() requests a commit; prepareCommit flushes stores; close closes processors and stores', () => {
  const events: string[] = []
  const builder = mapStoreBuilder('kv')
  const topology = new Topology()
    .addSource('s', 'in', str)
    .addProcessor('p', () => ({
      init: (ctx: ProcessorContext<never, never>) => void ctx.commit(),
      process() {},
      close: () => void events.push('closed p'),
    }), 's')
    .addStateStore(builder, 'p')
  const { task } = startTask(topology)
  assert.equal(task.commitRequested, true)
  assert.equal(task.commitNeeded, false)
  task.addRecords('in', 0, [consumerRecord('in', 0, 'k', 'v', 1)])
  task.process()
  assert.equal(task.commitNeeded, true)
  assert.deepEqual(task.prepareCommit(), [{ topic: 'in', partition: 0, offset: 1 }])
  assert.equal(builder.built[0]!.flushes, 1)
  task.postCommit()
  assert.equal(task.commitNeeded, false)
  assert.equal(task.commitRequested, false)
  task.close(true)
  assert.deepEqual(events, ['closed p'])
  assert.equal(builder.built[0]!.isOpen(), false)
  assert.equal(task.state, 'closed')
})

test('a supplier must return a new processor for every task; unknown partitions are refused', () => {
  const shared = { process() {} }
  const topology = new Topology().addSource('s', 'in', str).addProcessor('p', () => shared, 's')
  startTask(topology, {}, 0, 0)
  assert.throws(() => startTask(topology, {}, 0, 1), /returned an instance it had returned before/)
  const { task } = startTask(new Topology().addSource('s', 'in', str).addProcessor('p', recorder([], 'p'), 's'))
  assert.throws(() => task.addRecords('in', 5, []), /does not read in-5/)
})

test('stores log changes to <applicationId>-<store>-changelog on the task partition, and restore through the state manager', () => {
  const builder = mapStoreBuilder('kv')
  const topology = new Topology().addSource('s', 'in', str).addProcessor('w', halfWriter, 's').addStateStore(builder, 'w')
  const compiled = topology.compile('app')
  const harness = startTask(topology, {}, 0, 2)
  assert.deepEqual(harness.task.stateManager.changelogPartitions(), [{ storeName: 'kv', topic: 'app-kv-changelog', partition: 2 }])
  assert.equal(compiled.changelogTopics[0]!.name, 'app-kv-changelog')
  harness.task.stateManager.restore('kv', [{ key: Buffer.from('"r"'), value: Buffer.from('5') }])
  assert.equal(builder.built[0]!.map.get('r'), 5)
  harness.task.addRecords('in', 2, [consumerRecord('in', 0, 'r', 'ok', 77, 2)])
  harness.task.process()
  const first = harness.collector.drain()[0]!
  assert.deepEqual([first.topic, first.partition, first.key!.toString(), first.value!.toString(), first.timestamp], ['app-kv-changelog', 2, '"r"', '6', 77])
})

