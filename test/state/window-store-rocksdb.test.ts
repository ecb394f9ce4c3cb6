import assert from 'node:assert/strict'
import { it } from 'node:test'
import { Serdes } from '../../src/serdes/serdes.ts'
import { Stores } from '../../src/state/stores.ts'
import { SessionStoreBuilder, WindowStoreBuilder } from '../../src/state/window-store-builder.ts'
import { FakeStateStoreContext, tempDir } from './fake-context.ts'

const MINUTE = 60_000

async function reopenable<S extends { open(c: FakeStateStoreContext): Promise<void>; init(c: FakeStateStoreContext): void; close(): void }>(
  dir: string,
  build: () => S,
): Promise<S> {
  const context = new FakeStateStoreContext(dir)
  const store = build()
  await store.open(context)
  store.init(context)
  return store
}

/** RocksDB releases its lock asynchronously after close; reopening waits for it. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20))

it('a RocksDB window store keeps its windows and segments across close and reopen', async () => {
  using dir = tempDir()
  const build = () => new WindowStoreBuilder(Stores.persistentWindowStore('win', 4 * MINUTE, 1000), Serdes.string(), Serdes.long()).withLoggingDisabled().build()
  const first = await reopenable(dir.path, build)
  first.put('a', 1, 0)
  first.put('a', 2, 3 * MINUTE)
  first.put('b', 3, 3 * MINUTE)
  first.close()
  await settle()

  const second = await reopenable(dir.path, build)
  assert.deepEqual([...second.fetch('a', 0, 10 * MINUTE)], [{ key: 0, value: 1 }, { key: 3 * MINUTE, value: 2 }])
  assert.equal(second.fetch('b', 3 * MINUTE), 3)
  const segments = (second.wrapped as any).segments
  assert.deepEqual([...segments.segmentIds], [0, 1], 'segments found on disk (2-minute segments)')
  // Retention still applies after the reopen: stream time 6m drops segment 0 (and with it a@0).
  second.put('a', 4, 6 * MINUTE)
  assert.deepEqual([...second.fetch('a', 0, 10 * MINUTE)].map((e) => e.value), [2, 4])
  second.close()
  await settle()

  const third = await reopenable(dir.path, build)
  assert.deepEqual([...(third.wrapped as any).segments.segmentIds], [1, 3])
  third.close()
  await settle()
})

it('a RocksDB session store keeps its sessions across close and reopen', async () => {
  using dir = tempDir()
  const build = () => new SessionStoreBuilder(Stores.persistentSessionStore('sess', 10 * MINUTE), Serdes.string(), Serdes.long()).withLoggingDisabled().build()
  const first = await reopenable(dir.path, build)
  first.put({ key: 'u', window: { start: 5, end: 50 } }, 3)
  first.close()
  await settle()
  const second = await reopenable(dir.path, build)
  assert.deepEqual([...second.findSessions('u', 40, 60)], [{ key: { key: 'u', window: { start: 5, end: 50 } }, value: 3 }])
  second.close()
  await settle()
})
