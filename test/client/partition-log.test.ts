import { test } from 'node:test'
import assert from 'node:assert/strict'
import { NON_TRANSACTIONAL, PartitionLog } from '../../src/client/embedded/partition-log.ts'

const bytes = (s: string): Buffer => Buffer.from(s)

test('keys, values, timestamps and headers come back as written, null and empty kept apart', () => {
  const log = new PartitionLog('t', 3)
  const headers = { h: bytes('x') }
  log.append(null, bytes('v0'), 10, undefined, NON_TRANSACTIONAL)
  log.append(bytes('k1'), null, 11, headers, NON_TRANSACTIONAL)
  log.append(Buffer.alloc(0), Buffer.alloc(0), 12, {}, NON_TRANSACTIONAL)
  log.append(bytes('k3'), bytes('v3'), 13, undefined, NON_TRANSACTIONAL)
  const { records, next } = log.read(0, 10, log.highWatermark, false)
  assert.equal(next, 4)
  assert.deepEqual(
    records.map((r) => [r.topic, r.partition, r.offset, r.key?.toString() ?? null, r.value?.toString() ?? null, r.timestamp]),
    [
      ['t', 3, 0, null, 'v0', 10],
      ['t', 3, 1, 'k1', null, 11],
      ['t', 3, 2, '', '', 12],
      ['t', 3, 3, 'k3', 'v3', 13],
    ],
  )
  assert.ok(Buffer.isBuffer(records[2]!.key) && Buffer.isBuffer(records[2]!.value))
  assert.equal(records[1]!.headers, headers)
  assert.deepEqual(records[0]!.headers, {})
  assert.deepEqual(records[2]!.headers, {})
})

test('the log keeps its own copy of the bytes: a producer reusing its buffer does not rewrite history', () => {
  const log = new PartitionLog('t', 0)
  const scratch = bytes('aaaa')
  log.append(scratch, scratch, 1, undefined, NON_TRANSACTIONAL)
  scratch.write('bbbb')
  log.append(scratch, scratch, 2, undefined, NON_TRANSACTIONAL)
  assert.deepEqual(log.read(0, 10, 2, false).records.map((r) => `${r.key}/${r.value}`), ['aaaa/aaaa', 'bbbb/bbbb'])
})

test('values larger than a storage chunk, and many records across chunks, stay whole', () => {
  const log = new PartitionLog('t', 0)
  const big = Buffer.alloc(3 * 1024 * 1024 + 7, 0xab)
  big[big.length - 1] = 0xcd
  const n = 150_000
  for (let i = 0; i < n; i++) {
    log.append(bytes(`key-${i}`), i === 1000 ? big : bytes(`value-${i}`), i, undefined, NON_TRANSACTIONAL)
  }
  let seen = 0
  for (let from = 0; from < log.highWatermark; ) {
    const { records, next } = log.read(from, 4096, log.highWatermark, false)
    for (const r of records) {
      assert.equal(r.key!.toString(), `key-${r.offset}`)
      if (r.offset === 1000) assert.ok(r.value!.equals(big))
      else assert.equal(r.value!.toString(), `value-${r.offset}`)
      seen++
    }
    from = next
  }
  assert.equal(seen, n)
})

test('reads stop at max and at the bound, and report where to continue', () => {
  const log = new PartitionLog('t', 0)
  for (let i = 0; i < 10; i++) log.append(bytes(`k${i}`), bytes(`v${i}`), i, undefined, NON_TRANSACTIONAL)
  const first = log.read(2, 3, 10, false)
  assert.deepEqual(first.records.map((r) => r.offset), [2, 3, 4])
  assert.equal(first.next, 5)
  const bounded = log.read(5, 100, 8, false)
  assert.deepEqual(bounded.records.map((r) => r.offset), [5, 6, 7])
  assert.equal(bounded.next, 8)
  assert.deepEqual(log.read(10, 5, 10, false), { records: [], next: 10 })
})

test('aborted records are skipped by read_committed readers, kept for read_uncommitted ones', () => {
  const log = new PartitionLog('t', 0)
  log.append(bytes('a'), bytes('1'), 1, undefined, NON_TRANSACTIONAL)
  log.append(bytes('b'), bytes('2'), 2, undefined, 7)
  log.append(bytes('c'), bytes('3'), 3, undefined, 7)
  log.endTransaction(7, false)
  log.append(bytes('d'), bytes('4'), 4, undefined, NON_TRANSACTIONAL)
  assert.equal(log.highWatermark, 5, 'the abort marker takes an offset')
  assert.deepEqual(log.read(0, 10, log.lastStableOffset, true).records.map((r) => r.key!.toString()), ['a', 'd'])
  assert.deepEqual(log.read(0, 10, log.highWatermark, false).records.map((r) => r.key!.toString()), ['a', 'b', 'c', 'd'])
})

test('compaction and truncation keep offsets, bytes and headers of the surviving records', () => {
  const log = new PartitionLog('t', 0)
  for (let i = 0; i < 20_000; i++) log.append(bytes(`k${i % 100}`), bytes(`v${i}`), i, i === 19_999 ? { last: bytes('yes') } : undefined, NON_TRANSACTIONAL)
  log.append(bytes('k0'), null, 20_000, undefined, NON_TRANSACTIONAL)
  log.compact()
  const kept = log.read(0, 1000, log.highWatermark, false).records
  assert.equal(kept.length, 99, 'one record per key, the tombstoned key dropped')
  for (const r of kept) assert.equal(r.value!.toString(), `v${r.offset}`)
  assert.equal(kept.at(-1)!.headers.last!.toString(), 'yes')
  log.truncateBefore(19_950)
  assert.equal(log.logStartOffset, 19_950)
  const rest = log.read(0, 1000, log.highWatermark, false).records
  assert.deepEqual(rest.map((r) => r.offset), Array.from({ length: 50 }, (_, i) => 19_950 + i))
  assert.equal(log.indexOf(19_960), 10)
})
