import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Change } from '../../src/processors/change.ts'
import { KStreamBranch } from '../../src/processors/kstream-branch.ts'
import { KTableAggregate } from '../../src/processors/ktable-aggregate.ts'
import { KTableRepartitionMap } from '../../src/processors/ktable-repartition-map.ts'
import { KTableSource } from '../../src/processors/ktable-source.ts'
import { KStreamAggregate } from '../../src/processors/kstream-aggregate.ts'
import { Record } from '../../src/processors/record.ts'
import { TimestampedTupleForwarder } from '../../src/processors/timestamped-tuple-forwarder.ts'
import { isSameValue } from '../../src/processors/same-value.ts'
import type { TimestampedKeyValueStore, ValueAndTimestamp } from '../../src/state/store.ts'
import { FakeContext, mapStore } from './fake-context.ts'

test('branch forwards to the first matching child by name, else the default child, else nowhere', () => {
  const ctx = new FakeContext<string, number>()
  const withDefault = new KStreamBranch<string, number>([(_k, v) => v > 10, (_k, v) => v > 0], ['big', 'positive', 'rest'])
  withDefault.init(ctx)
  for (const v of [20, 5, -1]) withDefault.process(new Record('k', v, 0))
  assert.deepEqual(ctx.forwarded.map((f) => [f.record.value, f.childName]), [[20, 'big'], [5, 'positive'], [-1, 'rest']])
  const ctx2 = new FakeContext<string, number>()
  const noDefault = new KStreamBranch<string, number>([(_k, v) => v > 0], ['positive'])
  noDefault.init(ctx2)
  noDefault.process(new Record('k', -1, 0))
  assert.equal(ctx2.forwarded.length, 0)
})

test('table repartition map: subtract from the old group, then add to the new; one change within a group', () => {
  const ctx = new FakeContext<string, Change<number>>()
  const map = new KTableRepartitionMap<string, { g: string; n: number }, string, number>((_k, v) => [v.g, v.n])
  map.init(ctx)
  map.process(new Record('row', { newValue: { g: 'b', n: 2 }, oldValue: { g: 'a', n: 1 } }, 5))
  assert.deepEqual(ctx.take(), [['a', { newValue: null, oldValue: 1 }, 5], ['b', { newValue: 2, oldValue: null }, 5]])
  map.process(new Record('row', { newValue: { g: 'b', n: 3 }, oldValue: { g: 'b', n: 2 } }, 6))
  assert.deepEqual(ctx.take(), [['b', { newValue: 3, oldValue: 2 }, 6]])
  map.process(new Record('row', { newValue: null, oldValue: { g: 'b', n: 3 } }, 7))
  assert.deepEqual(ctx.take(), [['b', { newValue: null, oldValue: 3 }, 7]])
  const skipping = new KTableRepartitionMap<string, number, string | null, number>((_k, v) => [v > 0 ? 'pos' : null, v])
  skipping.init(ctx)
  skipping.process(new Record('row', { newValue: -1, oldValue: null }, 8))
  assert.deepEqual(ctx.take(), [])
})

test('table aggregate: subtractor then adder, timestamps are the max, old values when asked', () => {
  const ctx = new FakeContext<string, Change<number>>()
  const store = mapStore<string, ValueAndTimestamp<number>>('s')
  ctx.stores.set('s', store)
  const agg = new KTableAggregate<string, number, number>('s', () => 0, (_k, v, a) => a + v, (_k, v, a) => a - v, { sendOldValues: true })
  agg.init(ctx)
  agg.process(new Record('g', { newValue: 10, oldValue: null }, 100))
  agg.process(new Record('g', { newValue: 3, oldValue: 10 }, 50))
  agg.process(new Record('g', { newValue: null, oldValue: 3 }, 70))
  assert.deepEqual(ctx.take(), [
    ['g', { newValue: 10, oldValue: null }, 100],
    ['g', { newValue: 3, oldValue: 10 }, 100],
    ['g', { newValue: 0, oldValue: 3 }, 100],
  ])
  assert.deepEqual(store.data.get('g'), { value: 0, timestamp: 100 })
})

test('stream aggregate sends no old value for a new key (not the initializer\'s)', () => {
  const ctx = new FakeContext<string, Change<number>>()
  ctx.stores.set('s', mapStore('s'))
  const agg = new KStreamAggregate<string, number, number>('s', () => 100, (_k, v, a) => a + v, { sendOldValues: true })
  agg.init(ctx)
  agg.process(new Record('k', 1, 0))
  agg.process(new Record('k', 2, 0))
  assert.deepEqual(ctx.take().map((r) => r[1]), [{ newValue: 101, oldValue: null }, { newValue: 103, oldValue: 101 }])
})

test('table source: old values only when asked; an out-of-order repeat is still an update', () => {
  const ctx = new FakeContext<string, Change<string>>()
  ctx.stores.set('s', mapStore('s'))
  const flags = { sendOldValues: false }
  const source = new KTableSource<string, string>('s', flags)
  flags.sendOldValues = true // set while the DSL is built, read at init
  source.init(ctx)
  source.process(new Record('k', 'a', 10))
  source.process(new Record('k', 'a', 5))
  source.process(new Record('k', 'b', 20))
  assert.deepEqual(ctx.take(), [['k', { newValue: 'a', oldValue: null }, 10], ['k', { newValue: 'a', oldValue: 'a' }, 5], ['k', { newValue: 'b', oldValue: 'a' }, 20]])
})

test('with a cache, updates are forwarded on flush, from the owning node', () => {
  const ctx = new FakeContext<string, Change<number>>()
  let listener: ((key: string, n: ValueAndTimestamp<number> | null, o: ValueAndTimestamp<number> | null, ts: number) => void) | undefined
  const store = {
    setFlushListener(l: typeof listener, sendOld: boolean) {
      assert.equal(sendOld, true)
      listener = l
      return true
    },
  } as unknown as TimestampedKeyValueStore<string, number>
  ctx.currentNode = 'aggregate'
  const forwarder = new TimestampedTupleForwarder(store, ctx, true)
  assert.equal(forwarder.cached, true)
  forwarder.maybeForward(new Record('k', { newValue: 1, oldValue: null }, 1))
  assert.equal(ctx.forwarded.length, 0)
  let nodeDuringForward: unknown
  ctx.forward = function (this: FakeContext<string, Change<number>>, record) {
    nodeDuringForward = this.currentNode
    FakeContext.prototype.forward.call(this, record)
  }
  ctx.currentNode = 'somewhere-else'
  listener!('k', { value: 3, timestamp: 9 }, { value: 1, timestamp: 2 }, 9)
  assert.equal(nodeDuringForward, 'aggregate')
  assert.equal(ctx.currentNode, 'somewhere-else')
  assert.deepEqual(ctx.take(), [['k', { newValue: 3, oldValue: 1 }, 9]])
})

test('isSameValue compares data structurally', () => {
  assert.ok(isSameValue({ a: [1, { b: Buffer.from('x') }] }, { a: [1, { b: Buffer.from('x') }] }))
  assert.ok(isSameValue(NaN, NaN))
  assert.ok(isSameValue(new Date(5), new Date(5)))
  assert.ok(!isSameValue({ a: 1 }, { a: 1, b: undefined }))
  assert.ok(!isSameValue([1], { 0: 1 }))
  assert.ok(!isSameValue('1', 1))
  assert.ok(!isSameValue(new Map([[1, 1]]), new Map([[1, 2]])))
})
