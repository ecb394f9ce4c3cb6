import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { BYTES_SERIALIZER } from '../../src/state/bytes.ts'
import type { KeyValueBytesStore, KeyValueIterator } from '../../src/state/store.ts'
import { b, s } from './fake-context.ts'

export interface StoreFixture {
  /** A fresh, initialized, empty store. */
  create(name: string): Promise<KeyValueBytesStore>
  /** Releases everything created. */
  dispose(): Promise<void>
}

function drain(iterator: KeyValueIterator<Buffer, Buffer>): Array<[string, string]> {
  return [...iterator].map(({ key, value }) => [key.toString('latin1'), value.toString('latin1')])
}

const keys = (entries: Array<[string, string]>): string[] => entries.map(([k]) => k)

/** The behaviour every bytes-level KeyValueStore must share, run against each implementation. */
export function keyValueStoreSuite(label: string, makeFixture: () => StoreFixture): void {
  describe(`${label}: KeyValueStore contract`, () => {
    let fixture: StoreFixture
    let counter = 0
    const fresh = (): Promise<KeyValueBytesStore> => fixture.create(`store-${++counter}`)

    before(() => {
      fixture = makeFixture()
    })
    after(async () => {
      await fixture.dispose()
    })

    it('get/put/overwrite and missing keys', async () => {
      const store = await fresh()
      assert.equal(store.get(b('a')), undefined)
      store.put(b('a'), b('1'))
      assert.equal(s(store.get(b('a'))), '1')
      store.put(b('a'), b('2'))
      assert.equal(s(store.get(b('a'))), '2')
      assert.equal(store.get(b('b')), undefined)
      assert.ok(store.isOpen())
    })

    it('put(key, null) deletes', async () => {
      const store = await fresh()
      store.put(b('a'), b('1'))
      store.put(b('a'), null)
      assert.equal(store.get(b('a')), undefined)
      assert.deepEqual(drain(store.all()), [])
    })

    it('putIfAbsent returns the existing value and does not overwrite', async () => {
      const store = await fresh()
      assert.equal(store.putIfAbsent(b('a'), b('1')), undefined)
      assert.equal(s(store.putIfAbsent(b('a'), b('2'))), '1')
      assert.equal(s(store.get(b('a'))), '1')
    })

    it('putAll applies puts and null deletes in order', async () => {
      const store = await fresh()
      store.put(b('x'), b('0'))
      store.putAll([
        { key: b('a'), value: b('1') },
        { key: b('b'), value: b('2') },
        { key: b('x'), value: null },
        { key: b('a'), value: b('3') },
      ])
      assert.deepEqual(drain(store.all()), [['a', '3'], ['b', '2']])
    })

    it('delete returns the old value', async () => {
      const store = await fresh()
      store.put(b('a'), b('1'))
      assert.equal(s(store.delete(b('a'))), '1')
      assert.equal(store.delete(b('a')), undefined)
      assert.equal(store.get(b('a')), undefined)
    })

    it('orders keys by unsigned bytes, not by UTF-16 or signed bytes', async () => {
      const store = await fresh()
      const raw = [[0x80], [0x00], [0x7f], [0xff], [0xff, 0x00], [0x01, 0x02], [0x01], []].map((bytes) => Buffer.from(bytes))
      for (const key of raw.filter((k) => k.length > 0)) store.put(key, b('v'))
      const expected = raw.filter((k) => k.length > 0).sort(Buffer.compare).map((k) => k.toString('hex'))
      assert.deepEqual([...store.all()].map(({ key }) => key.toString('hex')), expected)
      assert.deepEqual([...store.reverseAll()].map(({ key }) => key.toString('hex')), [...expected].reverse())
    })

    it('range and reverseRange are inclusive and accept open bounds', async () => {
      const store = await fresh()
      for (const k of ['a', 'b', 'c', 'd', 'e']) store.put(b(k), b(k.toUpperCase()))
      assert.deepEqual(drain(store.range(b('b'), b('d'))), [['b', 'B'], ['c', 'C'], ['d', 'D']])
      assert.deepEqual(keys(drain(store.range(b('bb'), b('dd')))), ['c', 'd'])
      assert.deepEqual(keys(drain(store.range(undefined, b('b')))), ['a', 'b'])
      assert.deepEqual(keys(drain(store.range(b('d'), undefined))), ['d', 'e'])
      assert.deepEqual(keys(drain(store.range(undefined, undefined))), ['a', 'b', 'c', 'd', 'e'])
      assert.deepEqual(keys(drain(store.reverseRange(b('b'), b('d')))), ['d', 'c', 'b'])
      assert.deepEqual(keys(drain(store.reverseRange(undefined, b('b')))), ['b', 'a'])
      assert.deepEqual(keys(drain(store.reverseRange(b('d'), undefined))), ['e', 'd'])
      assert.deepEqual(drain(store.range(b('d'), b('b'))), [], 'inverted range is empty')
      assert.deepEqual(drain(store.range(b('x'), b('z'))), [])
    })

    it('all and reverseAll', async () => {
      const store = await fresh()
      assert.deepEqual(drain(store.all()), [])
      for (const k of ['c', 'a', 'b']) store.put(b(k), b(k))
      assert.deepEqual(keys(drain(store.all())), ['a', 'b', 'c'])
      assert.deepEqual(keys(drain(store.reverseAll())), ['c', 'b', 'a'])
    })

    it('prefixScan returns keys starting with the serialized prefix', async () => {
      const store = await fresh()
      for (const k of ['ab', 'abc', 'abd', 'ac', 'a', 'b', 'aa']) store.put(b(k), b(k))
      assert.deepEqual(keys(drain(store.prefixScan(b('ab'), BYTES_SERIALIZER))), ['ab', 'abc', 'abd'])
      assert.deepEqual(keys(drain(store.prefixScan(b('a'), BYTES_SERIALIZER))), ['a', 'aa', 'ab', 'abc', 'abd', 'ac'])
      assert.deepEqual(drain(store.prefixScan(b('z'), BYTES_SERIALIZER)), [])
      const stringPrefix = { serialize: (_topic: string, p: string) => Buffer.from(p) }
      assert.deepEqual(keys(drain(store.prefixScan('abc', stringPrefix))), ['abc'])
    })

    it('prefixScan with a 0xff prefix has no upper bound', async () => {
      const store = await fresh()
      store.put(Buffer.from([0xff]), b('1'))
      store.put(Buffer.from([0xff, 0xff, 0x01]), b('2'))
      store.put(Buffer.from([0xfe, 0xff]), b('3'))
      const found = [...store.prefixScan(Buffer.from([0xff]), BYTES_SERIALIZER)].map(({ key }) => key.toString('hex'))
      assert.deepEqual(found, ['ff', 'ffff01'])
    })

    it('approximateNumEntries counts entries', async () => {
      const store = await fresh()
      assert.equal(store.approximateNumEntries(), 0)
      for (let i = 0; i < 100; i++) store.put(b(`k${i}`), b('v'))
      const n = store.approximateNumEntries()
      assert.ok(n >= 90 && n <= 110, `approximately 100, got ${n}`)
    })

    it('iterators close: by hand, when exhausted, and on break from for..of', async () => {
      const store = await fresh()
      for (const k of ['a', 'b', 'c']) store.put(b(k), b(k))
      const byHand = store.all()
      assert.equal(s(byHand.next().value?.key), 'a')
      byHand.close()
      assert.equal(byHand.next().done, true, 'closed iterator is done')
      byHand.close()

      const broken = store.range(undefined, undefined)
      const seen: string[] = []
      for (const { key } of broken) {
        seen.push(key.toString())
        if (seen.length === 2) break
      }
      assert.deepEqual(seen, ['a', 'b'])
      assert.equal(broken.next().done, true, 'break closed the iterator')

      {
        using disposed = store.all()
        assert.equal(disposed.next().done, false)
      }
      const exhausted = store.all()
      assert.equal([...exhausted].length, 3)
      assert.equal(exhausted.next().done, true)
    })

    it('an iterator sees the store as of its creation', async () => {
      const store = await fresh()
      for (const k of ['a', 'b', 'c', 'd']) store.put(b(k), b('old'))
      const forward = store.all()
      const reverse = store.reverseAll()
      assert.equal(s(forward.next().value?.key), 'a')
      assert.equal(s(reverse.next().value?.key), 'd')
      store.put(b('b'), b('new'))
      store.put(b('bb'), b('added'))
      store.delete(b('c'))
      assert.deepEqual(drain(forward), [['b', 'old'], ['c', 'old'], ['d', 'old']])
      assert.deepEqual(drain(reverse), [['c', 'old'], ['b', 'old'], ['a', 'old']])
      assert.deepEqual(drain(store.all()), [['a', 'old'], ['b', 'new'], ['bb', 'added'], ['d', 'old']])
    })

    it('writes while iterating do not disturb the iteration', async () => {
      const store = await fresh()
      for (let i = 0; i < 50; i++) store.put(b(`k${String(i).padStart(2, '0')}`), b('v'))
      let visited = 0
      for (const { key } of store.all()) {
        visited++
        store.delete(key)
        store.put(Buffer.concat([key, b('-x')]), b('w'))
      }
      assert.equal(visited, 50)
      assert.equal([...store.all()].length, 50)
      assert.ok([...store.all()].every(({ key }) => key.toString().endsWith('-x')))
    })

    it('keeps many keys in order through interleaved writes and ranges', async () => {
      const store = await fresh()
      const model = new Map<string, string>()
      let seed = 7
      const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n
      for (let i = 0; i < 3000; i++) {
        const k = `k${rand(500)}`
        if (rand(4) === 0) {
          store.delete(b(k))
          model.delete(k)
        } else {
          store.put(b(k), b(String(i)))
          model.set(k, String(i))
        }
        if (i % 97 === 0) {
          const lo = `k${rand(500)}`
          const expected = [...model.entries()].filter(([key]) => key >= lo).sort(([x], [y]) => (x < y ? -1 : 1))
          assert.deepEqual(drain(store.range(b(lo), undefined)), expected)
        }
      }
      const expected = [...model.entries()].sort(([x], [y]) => (x < y ? -1 : 1))
      assert.deepEqual(drain(store.all()), expected)
    })

    it('throws once closed', async () => {
      const store = await fresh()
      store.put(b('a'), b('1'))
      store.close()
      assert.equal(store.isOpen(), false)
      assert.throws(() => store.get(b('a')), { name: 'InvalidStateStoreError' })
      assert.throws(() => store.put(b('a'), b('1')), { name: 'InvalidStateStoreError' })
      assert.throws(() => store.all(), { name: 'InvalidStateStoreError' })
    })

    it('close closes open iterators', async () => {
      const store = await fresh()
      store.put(b('a'), b('1'))
      store.put(b('b'), b('2'))
      const iterator = store.all()
      iterator.next()
      store.close()
      assert.equal(iterator.next().done, true)
    })
  })
}
