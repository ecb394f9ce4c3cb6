import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ProcessorContext } from '../../../src/processors/processor.ts'
import { Record } from '../../../src/processors/record.ts'
import { DeserializationError, ProcessingError, StreamsError } from '../../../src/runtime/task/errors.ts'
import { Serdes } from '../../../src/serdes/serdes.ts'
import type { KeyValueStore } from '../../../src/state/store.ts'
import { Topology } from '../../../src/topology/topology.ts'
import { mapStoreBuilder } from './fixtures.ts'
import { consumerRecord, drainAll, halfWriter, recorder, startTask } from './helpers.ts'

const str = { keySerde: Serdes.string(), valueSerde: Serdes.string() }

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
