import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { Serdes } from '../../src/serdes/serdes.ts'
import type { MeteredSessionStore } from '../../src/state/metered-session-store.ts'
import type { KeyValueIterator } from '../../src/state/store.ts'
import { Stores } from '../../src/state/stores.ts'
import { sessionStoreKey } from '../../src/state/window-key-schema.ts'
import { SessionStoreBuilder } from '../../src/state/window-store-builder.ts'
import type { Windowed } from '../../src/state/windowed.ts'
import { FakeStateStoreContext, tempDir } from './fake-context.ts'

const MINUTE = 60_000

function sessions<V>(iterator: KeyValueIterator<Windowed<string>, V>): Array<[string, number, number, V]> {
  return [...iterator].map(({ key, value }) => [key.key, key.window.start, key.window.end, value])
}

const w = (key: string, start: number, end: number): Windowed<string> => ({ key, window: { start, end } })

for (const kind of ['memory', 'rocksdb'] as const) {
  describe(`session store (${kind})`, () => {
    const dir = tempDir()
    const opened: MeteredSessionStore<any, any>[] = []
    after(async () => {
      for (const store of opened) if (store.isOpen()) store.close()
      await new Promise((resolve) => setTimeout(resolve, 50))
      dir[Symbol.dispose]()
    })

    let counter = 0
    async function open(retention = 10 * MINUTE) {
      const context = new FakeStateStoreContext(dir.path)
      const name = `s${++counter}`
      const supplier = kind === 'memory' ? Stores.inMemorySessionStore(name, retention) : Stores.persistentSessionStore(name, retention)
      const store = new SessionStoreBuilder(supplier, Serdes.string(), Serdes.long()).build()
      await store.open(context)
      store.init(context)
      opened.push(store)
      return { store, context, name }
    }

    it('puts, fetches exact sessions and removes them', async () => {
      const { store } = await open()
      store.put(w('a', 0, 10), 2)
      store.put(w('a', 20, 20), 1)
      assert.equal(store.fetchSession('a', 0, 10), 2)
      assert.equal(store.fetchSession('a', 0, 11), undefined)
      store.remove(w('a', 0, 10))
      assert.equal(store.fetchSession('a', 0, 10), undefined)
      assert.deepEqual(sessions(store.fetch('a')), [['a', 20, 20, 1]])
    })

    it('finds the sessions a record may merge with: end >= earliest end, start <= latest start', async () => {
      const { store } = await open()
      store.put(w('k', 0, 5), 1)
      store.put(w('k', 10, 12), 2)
      store.put(w('k', 30, 40), 3)
      store.put(w('k2', 10, 12), 9)
      store.put(w('', 10, 12), 8)
      // A record at t = 16 with a gap of 5 reaches sessions ending at >= 11 and starting at <= 21.
      assert.deepEqual(sessions(store.findSessions('k', 11, 21)), [['k', 10, 12, 2]])
      assert.deepEqual(sessions(store.findSessions('k', 0, 100)), [['k', 0, 5, 1], ['k', 10, 12, 2], ['k', 30, 40, 3]])
      assert.deepEqual(sessions(store.backwardFindSessions('k', 0, 100)).map(([, s]) => s), [30, 10, 0])
      assert.deepEqual(sessions(store.findSessionsInRange('k', 'k2', 12, 12)), [['k', 10, 12, 2], ['k2', 10, 12, 9]])
      assert.deepEqual(sessions(store.fetchRange(undefined, undefined)).length, 5)
      assert.deepEqual(sessions(store.findSessionsByEndTime(12, 12)).map(([k]) => k).sort(), ['', 'k', 'k2'])
    })

    it('logs writes keyed by key | end | start, tombstones removals, and restores', async () => {
      const { store, context, name } = await open()
      store.put(w('a', 3, 7), 5)
      store.remove(w('a', 3, 7))
      assert.deepEqual(context.changes[0]!.key, sessionStoreKey(Buffer.from('a'), 3, 7))
      assert.equal(context.changes[1]!.value, null)
      context.restore(name, [{ key: sessionStoreKey(Buffer.from('r'), 1, 2), value: Serdes.long().serialize('t', 4), timestamp: 2 }])
      assert.equal(store.fetchSession('r', 1, 2), 4)
    })

    it('drops sessions that ended longer ago than the retention', async () => {
      const { store } = await open(2 * MINUTE)
      store.put(w('a', 0, 10), 1)
      store.put(w('a', 5 * MINUTE, 5 * MINUTE), 2)
      assert.equal(store.fetchSession('a', 0, 10), undefined)
      assert.deepEqual(sessions(store.fetch('a')), [['a', 5 * MINUTE, 5 * MINUTE, 2]])
    })

    it('reports how to undo puts and removes', async () => {
      const { store } = await open()
      store.put(w('a', 0, 1), 1)
      const undos: Array<() => void> = []
      store.setUndoRecorder((undo) => undos.push(undo))
      store.remove(w('a', 0, 1))
      store.put(w('a', 0, 3), 2)
      for (const undo of undos.reverse()) undo()
      assert.deepEqual(sessions(store.fetch('a')), [['a', 0, 1, 1]])
    })
  })
}
