import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { Serdes } from '../../src/serdes/serdes.ts'
import type { MeteredWindowStore } from '../../src/state/metered-window-store.ts'
import type { KeyValueIterator } from '../../src/state/store.ts'
import { Stores } from '../../src/state/stores.ts'
import { windowStoreKey } from '../../src/state/window-key-schema.ts'
import { WindowStoreBuilder } from '../../src/state/window-store-builder.ts'
import type { WindowBytesStoreSupplier } from '../../src/state/window-store.ts'
import type { Windowed } from '../../src/state/windowed.ts'
import { FakeStateStoreContext, tempDir } from './fake-context.ts'

const MINUTE = 60_000

type Kind = 'memory' | 'rocksdb'

function supplier(kind: Kind, name: string, retention: number, size: number, duplicates = false): WindowBytesStoreSupplier {
  return kind === 'memory'
    ? Stores.inMemoryWindowStore(name, retention, size, duplicates)
    : Stores.persistentWindowStore(name, retention, size, duplicates)
}

function windows<V>(iterator: KeyValueIterator<Windowed<string>, V>): Array<[string, number, number, V]> {
  return [...iterator].map(({ key, value }) => [key.key, key.window.start, key.window.end, value])
}

for (const kind of ['memory', 'rocksdb'] as const) {
  describe(`window store (${kind})`, () => {
    const dir = tempDir()
    const opened: MeteredWindowStore<any, any>[] = []
    after(async () => {
      for (const store of opened) if (store.isOpen()) store.close()
      await new Promise((resolve) => setTimeout(resolve, 50))
      dir[Symbol.dispose]()
    })

    let counter = 0
    async function open(options: { retention?: number; size?: number; duplicates?: boolean; context?: FakeStateStoreContext; name?: string } = {}) {
      const context = options.context ?? new FakeStateStoreContext(dir.path)
      const name = options.name ?? `w${++counter}`
      const builder = new WindowStoreBuilder(supplier(kind, name, options.retention ?? 10 * MINUTE, options.size ?? 10, options.duplicates), Serdes.string(), Serdes.long())
      const store = builder.build()
      await store.open(context)
      store.init(context)
      opened.push(store)
      return { store, context }
    }

    it('puts, point-fetches and overwrites a window; null deletes it', async () => {
      const { store } = await open()
      store.put('a', 1, 100)
      store.put('a', 2, 110)
      store.put('b', 3, 100)
      assert.equal(store.fetch('a', 100), 1)
      assert.equal(store.fetch('a', 110), 2)
      assert.equal(store.fetch('a', 120), undefined)
      store.put('a', 10, 100)
      assert.equal(store.fetch('a', 100), 10)
      store.put('a', null, 100)
      assert.equal(store.fetch('a', 100), undefined)
      assert.equal(store.fetch('b', 100), 3)
    })

    it('fetches one key over a time range, forward and backward, by window start', async () => {
      const { store } = await open()
      for (const t of [0, 10, 20, 30]) store.put('k', t, t)
      store.put('k2', 99, 10)
      store.put('', 98, 10)
      assert.deepEqual([...store.fetch('k', 10, 20)], [{ key: 10, value: 10 }, { key: 20, value: 20 }])
      assert.deepEqual([...store.backwardFetch('k', 0, 30)].map((e) => e.key), [30, 20, 10, 0])
      assert.deepEqual([...store.fetch('k', 31, 40)], [])
      assert.deepEqual([...store.fetch('k', 20, 10)], [], 'inverted time range is empty')
    })

    it('fetches key ranges, all keys in a time range, and everything; windowed keys carry end = start + size', async () => {
      const { store } = await open({ size: 5 })
      store.put('a', 1, 0)
      store.put('b', 2, 0)
      store.put('c', 3, 5)
      store.put('b', 4, 5)
      assert.deepEqual(windows(store.fetchRange('a', 'b', 0, 5)), [['a', 0, 5, 1], ['b', 0, 5, 2], ['b', 5, 10, 4]])
      assert.deepEqual(windows(store.fetchRange('b', undefined, 5, 5)), [['b', 5, 10, 4], ['c', 5, 10, 3]])
      assert.deepEqual(windows(store.fetchAll(5, 10)).map(([k]) => k).sort(), ['b', 'c'])
      assert.equal(windows(store.all()).length, 4)
      assert.deepEqual(windows(store.backwardAll()), windows(store.all()).reverse())
      assert.deepEqual(windows(store.backwardFetchAll(0, 0)), [['b', 0, 5, 2], ['a', 0, 5, 1]])
    })

    it('drops windows older than the retention, a segment at a time, and never returns them', async () => {
      const retention = 2 * MINUTE
      const { store } = await open({ retention, size: 10 })
      const segments = (store.wrapped as any).wrapped.segments as { segmentIds: readonly number[]; segmentInterval: number }
      assert.equal(segments.segmentInterval, MINUTE, 'max(retention / 2, 1 minute)')
      store.put('k', 1, 0)
      store.put('k', 2, MINUTE + 5)
      assert.deepEqual([...segments.segmentIds], [0, 1])
      store.put('k', 3, 3 * MINUTE)
      // Stream time 3m: the live segments are those at or after segment(3m - 2m) = 1.
      assert.deepEqual([...segments.segmentIds], [1, 3])
      assert.equal(store.fetch('k', 0), undefined)
      assert.deepEqual([...store.fetch('k', 0, 10 * MINUTE)].map((e) => e.key), [MINUTE + 5, 3 * MINUTE])
      // A put older than the retention is not written.
      store.put('k', 4, MINUTE)
      assert.equal(store.fetch('k', MINUTE), undefined)
      // Records of a live segment that are themselves older than the retention are hidden too.
      store.put('k', 5, 3 * MINUTE + 6)
      assert.equal(store.fetch('k', MINUTE + 5), undefined)
    })

    it('logs each write keyed by the window store key (key | start | seqnum) and restores from it', async () => {
      const { store, context } = await open({ name: 'logged' })
      context.timestamp = 42
      store.put('a', 7, 100)
      store.put('a', null, 100)
      assert.equal(context.changes.length, 2)
      assert.deepEqual(context.changes[0]!.key, windowStoreKey(Buffer.from('a'), 100, 0))
      assert.deepEqual(context.changes[0]!.value, Serdes.long().serialize('t', 7))
      assert.equal(context.changes[0]!.timestamp, 42)
      assert.equal(context.changes[1]!.value, null)
      assert.equal(context.registered.get('logged')?.store, store, 'the metered store registers')

      const restored = await open({ name: 'logged2' })
      restored.context.restore('logged2', [
        { key: windowStoreKey(Buffer.from('x'), 5, 0), value: Serdes.long().serialize('t', 1), timestamp: 5 },
        { key: windowStoreKey(Buffer.from('x'), 15, 0), value: Serdes.long().serialize('t', 2), timestamp: 15 },
        { key: windowStoreKey(Buffer.from('x'), 5, 0), value: null, timestamp: 20 },
      ])
      assert.deepEqual([...restored.store.fetch('x', 0, 100)], [{ key: 15, value: 2 }])
    })

    it('retains duplicates with distinct sequence numbers when asked to, and ignores null puts then', async () => {
      const { store, context } = await open({ duplicates: true })
      store.put('a', 1, 10)
      store.put('a', 2, 10)
      store.put('a', null, 10)
      assert.deepEqual([...store.fetch('a', 10, 10)].map((e) => e.value), [1, 2])
      assert.deepEqual(context.changes.map((c) => c.key.readUInt32BE(c.key.length - 4)), [1, 2])
    })

    it('reports how to undo each write through the recorder, including duplicates', async () => {
      const { store, context } = await open({ duplicates: false })
      const undos: Array<() => void> = []
      store.setUndoRecorder((undo) => undos.push(undo))
      store.put('a', 1, 10)
      store.put('a', 2, 10)
      for (const undo of undos.splice(0).reverse()) undo()
      assert.equal(store.fetch('a', 10), undefined)
      assert.equal(context.changes.at(-1)!.value, null, 'the changelog receives the compensation')

      const dup = await open({ duplicates: true })
      dup.store.put('a', 1, 10)
      dup.store.setUndoRecorder((undo) => undos.push(undo))
      dup.store.put('a', 2, 10)
      undos.pop()!()
      assert.deepEqual([...dup.store.fetch('a', 10, 10)].map((e) => e.value), [1])
    })

    it('timestamped builder: values are ValueAndTimestamp, the changelog carries the plain value', async () => {
      const context = new FakeStateStoreContext(dir.path)
      const store = Stores.timestampedWindowStoreBuilder(supplier(kind, `ts${++counter}`, MINUTE, 10), Serdes.string(), Serdes.long()).build()
      await store.open?.(context)
      store.init(context)
      opened.push(store as MeteredWindowStore<any, any>)
      store.put('a', { value: 5, timestamp: 1234 }, 0)
      assert.deepEqual(store.fetch('a', 0), { value: 5, timestamp: 1234 })
      assert.deepEqual(context.changes[0]!.value, Serdes.long().serialize('t', 5))
      assert.equal(context.changes[0]!.timestamp, 1234)
    })
  })
}

describe('window store builder', () => {
  it('windowed changelog configs: compact,delete and retention + one day', () => {
    const builder = Stores.windowStoreBuilder(Stores.inMemoryWindowStore('w', 5000, 1000), Serdes.string(), Serdes.long())
    assert.deepEqual(builder.logConfig, { 'cleanup.policy': 'compact,delete', 'retention.ms': String(5000 + 86_400_000) })
    assert.throws(() => builder.withCachingEnabled(), /no record cache/)
  })

  it('rejects a retention smaller than the window size', () => {
    assert.throws(() => Stores.inMemoryWindowStore('w', 10, 100), /must be no smaller than its window size/)
    assert.throws(() => Stores.persistentWindowStore('w', -1, 0), /non-negative/)
  })
})
