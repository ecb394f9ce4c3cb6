import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Processor, ProcessorContext } from '../../../src/processors/processor.ts'
import { Record } from '../../../src/processors/record.ts'
import { DeserializationError, ProcessingError, StreamsError } from '../../../src/runtime/task/errors.ts'
import { Serdes } from '../../../src/serdes/serdes.ts'
import type { KeyValueStore } from '../../../src/state/store.ts'
import { Topology } from '../../../src/topology/topology.ts'
import { mapStoreBuilder } from './fixtures.ts'
import { consumerRecord, drainAll, recorder, startTask } from './helpers.ts'

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

test('a record that does not deserialize fails the task with topic, partition, offset and source node', () => {
  const seen: Parameters<typeof recorder>[0] = []
  const topology = new Topology()
    .addSource('numbers', 'in', { keySerde: Serdes.string(), valueSerde: Serdes.integer() })
    .addProcessor('p', recorder(seen, 'p'), 'numbers')
  const { task } = startTask(topology, {}, 0, 3)
  task.addRecords('in', 3, [consumerRecord('in', 41, 'k', 'abc', 1, 3)]) // 3 bytes: not an int32
  assert.throws(() => task.process(), (err: unknown) => {
    assert.ok(err instanceof DeserializationError)
    assert.equal(err.topic, 'in')
    assert.equal(err.partition, 3)
    assert.equal(err.offset, 41)
    assert.equal(err.node, 'numbers')
    assert.equal(err.taskId, '0_3')
    assert.match(err.message, /task 0_3, node "numbers", for the record at topic "in" partition 3 offset 41/)
    return true
  })
  assert.equal(task.state, 'failed')
  assert.throws(() => task.prepareCommit(), /must be closed dirty/)
  assert.deepEqual(seen, [])
})

test('a processor that throws fails the task naming the processor and the record', () => {
  const topology = new Topology()
    .addSource('s', 'in', str)
    .addProcessor('ok', recorder([], 'ok'), 's')
    .addProcessor('boom', () => ({ process() { throw new Error('kaput') } }), 'ok')
  const { task } = startTask(topology)
  task.addRecords('in', 0, [consumerRecord('in', 7, 'k', 'v', 1)])
  assert.throws(() => task.process(), (err: unknown) =>
    err instanceof ProcessingError &&
    err instanceof StreamsError &&
    err.node === 'boom' && err.topic === 'in' && err.partition === 0 && err.offset === 7 &&
    /node "boom", for the record at topic "in" partition 0 offset 7: kaput/.test(err.message) &&
    (err.cause as Error).message === 'kaput')
  assert.equal(task.state, 'failed')
  assert.throws(() => task.process(), /cannot process while failed/)
})

test('the continue policy logs and skips bad records and failed processing, then goes on', () => {
  const seen: Parameters<typeof recorder>[0] = []
  const handled: string[] = []
  const topology = new Topology()
    .addSource('numbers', 'in', { keySerde: Serdes.string(), valueSerde: Serdes.integer() })
    .addProcessor('check', () => {
      let ctx: ProcessorContext<unknown, unknown>
      return {
        init: (c: ProcessorContext<unknown, unknown>) => void (ctx = c),
        process(r: Record<unknown, unknown>) {
          if (r.value === 13) throw new Error('unlucky')
          ctx.forward(r)
        },
      }
    }, 'numbers')
    .addProcessor('p', recorder(seen, 'p'), 'check')
  const int = (n: number): Buffer => Serdes.integer().serialize('in', n)
  const { task, warnings } = startTask(topology, {
    deserializationExceptionHandler: (ctx) => {
      handled.push(`deser:${ctx.offset}:${ctx.rawValue?.toString()}`)
      return 'continue'
    },
    processingExceptionHandler: 'continue',
  })
  task.addRecords('in', 0, [
    { ...consumerRecord('in', 0, 'k', null, 1), value: int(1) },
    consumerRecord('in', 1, 'k', 'xy', 2),
    { ...consumerRecord('in', 2, 'k', null, 3), value: int(13) },
    { ...consumerRecord('in', 3, 'k', null, 4), value: int(4) },
  ])
  assert.equal(drainAll(task), 3) // offset 1 was skipped while choosing the head
  assert.deepEqual(seen.map((s) => s.value), [1, 4])
  assert.deepEqual(handled, ['deser:1:xy'])
  assert.equal(warnings.length, 2)
  assert.match(warnings[0]!.message, /does not deserialize/)
  assert.match(warnings[1]!.message, /processing failed: unlucky/)
  assert.equal((warnings[1]!.object as { node: string }).node, 'check')
  assert.equal(task.state, 'running')
  assert.deepEqual(task.prepareCommit(), [{ topic: 'in', partition: 0, offset: 4 }])
})

function halfWriter(): Processor<string, string, never, never> {
  let store: KeyValueStore<string, number>
  return {
    init(ctx) {
      store = ctx.getStateStore('kv')
    },
    process(r) {
      store.put(r.key, (store.get(r.key) ?? 0) + 1)
      store.put('total', (store.get('total') ?? 0) + 1)
      store.delete('doomed')
      if (r.value === 'fail') throw new Error('after writing')
    },
  }
}

for (const policy of ['continue', 'fail'] as const) {
  test(`a failed record leaves none of its store writes behind (${policy})`, () => {
    const builder = mapStoreBuilder('kv')
    const topology = new Topology().addSource('s', 'in', str).addProcessor('w', halfWriter, 's').addStateStore(builder, 'w')
    // `continue` turns the undo log on by itself; under `fail` it is asked for (the test driver does)
    const { task, collector } = startTask(topology, { processingExceptionHandler: policy, ...(policy === 'fail' && { undoPartialWrites: true }) })
    const store = builder.built[0]!
    store.map.set('doomed', 99)
    task.addRecords('in', 0, [consumerRecord('in', 0, 'a', 'ok', 1), consumerRecord('in', 1, 'b', 'fail', 2)])
    task.process()
    assert.deepEqual([...store.map].sort(), [['a', 1], ['total', 1]])
    collector.drain()
    if (policy === 'fail') assert.throws(() => task.process(), ProcessingError)
    else assert.equal(task.process(), true)
    assert.deepEqual([...store.map].sort(), [['a', 1], ['total', 1]], 'b, total=2 undone')
    // the changelog saw the writes and their compensation, so a restore ends in the same state
    const changelog = collector.drain().map((r) => [r.topic, r.partition, r.key!.toString(), r.value?.toString() ?? null])
    assert.deepEqual(changelog, [
      ['app-kv-changelog', 0, '"b"', '1'],
      ['app-kv-changelog', 0, '"total"', '2'],
      ['app-kv-changelog', 0, '"total"', '1'],
      ['app-kv-changelog', 0, '"b"', null],
    ])
  })
}

test('under plain fail (the runtime default) a failed task is not flushed: it can only be closed dirty', () => {
  const builder = mapStoreBuilder('kv')
  const topology = new Topology().addSource('s', 'in', str).addProcessor('w', halfWriter, 's').addStateStore(builder, 'w')
  const { task } = startTask(topology)
  task.addRecords('in', 0, [consumerRecord('in', 0, 'b', 'fail', 2)])
  assert.throws(() => task.process(), ProcessingError)
  assert.throws(() => task.prepareCommit(), /must be closed dirty/)
  task.close(true) // asked for a clean close, a failed task still skips the flush
  assert.equal(builder.built[0]!.flushes, 0)
  assert.equal(builder.built[0]!.isOpen(), false)
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

test('writes made while a cache flushes at commit are not undone by the next failed record', () => {
  const a = mapStoreBuilder('a', false)
  const b = mapStoreBuilder('b', false)
  const topology = new Topology()
    .addSource('s', 'in', str)
    .addProcessor('upstream', () => {
      let ctx: ProcessorContext<string, string>
      return {
        init(c: ProcessorContext<string, string>) {
          ctx = c
          const tracking = c as unknown as { currentNode: unknown }
          const self = tracking.currentNode
          // like a caching store's flush listener: forwards from this node during the commit
          const store = c.getStateStore<KeyValueStore<string, number>>('a')
          const flush = store.flush.bind(store)
          ;(builderStore(a)).flush = () => {
            flush()
            const previous = tracking.currentNode
            tracking.currentNode = self
            ctx.forward(new Record('flushed', 'ok', 0))
            tracking.currentNode = previous
          }
        },
        process: (r: Record<string, string>) => ctx.forward(r),
      }
    }, 's')
    .addProcessor('downstream', () => {
      let store: KeyValueStore<string, string>
      return {
        init: (c: ProcessorContext<never, never>) => void (store = c.getStateStore('b')),
        process(r: Record<string, string>) {
          store.put(r.key, r.value)
          if (r.value === 'fail') throw new Error('no')
        },
      }
    }, 'upstream')
    .addStateStore(a, 'upstream')
    .addStateStore(b, 'downstream')
  const { task } = startTask(topology, { processingExceptionHandler: 'continue' })
  task.prepareCommit() // the flush writes "flushed" into b through downstream
  assert.equal(b.built[0]!.map.get('flushed'), 'ok')
  task.addRecords('in', 0, [consumerRecord('in', 0, 'k', 'fail', 1)])
  task.process()
  assert.equal(b.built[0]!.map.get('k'), undefined)
  assert.equal(b.built[0]!.map.get('flushed'), 'ok')
})

function builderStore(builder: ReturnType<typeof mapStoreBuilder>): { flush(): void } {
  return builder.built[0]!
}
