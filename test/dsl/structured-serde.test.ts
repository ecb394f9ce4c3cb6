import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SerializationError } from '../../src/serdes/serde.ts'
import { structuredSerde } from '../../src/topology/dsl/structured-serde.ts'

const serde = structuredSerde<unknown>()
const roundTrip = (value: unknown): unknown => serde.deserialize('t', serde.serialize('t', value))

test('round-trips primitives with their types', () => {
  for (const value of ['', 'héllo ✓', 0, 1.5, -42, Number.MAX_SAFE_INTEGER, Infinity, -Infinity, 10n ** 30n, -5n, true, false, null, undefined]) {
    assert.deepEqual(roundTrip(value), value)
    assert.equal(typeof roundTrip(value), typeof value)
  }
  assert.ok(Number.isNaN(roundTrip(NaN)))
})

test('round-trips Buffers, Dates, arrays, Maps, Sets and nested plain objects', () => {
  const value = {
    id: 'x',
    bytes: Buffer.from([0, 1, 255]),
    when: new Date(1_700_000_000_000),
    list: [1, 'two', [3n], { four: null }],
    map: new Map<unknown, unknown>([['a', 1], [2, { b: true }]]),
    set: new Set(['s', 1]),
    nested: { deeper: { deepest: undefined } },
  }
  const back = roundTrip(value) as typeof value
  assert.deepEqual(back, value)
  assert.ok(Buffer.isBuffer(back.bytes))
  assert.deepEqual(Object.keys(back), Object.keys(value))
  assert.ok(Buffer.isBuffer(roundTrip(new Uint8Array([7]))))
})

test('equal values give equal bytes (store keys and partitioning depend on it), -0 included', () => {
  assert.deepEqual(serde.serialize('t', { a: 1, b: 'x' }), serde.serialize('t', { a: 1, b: 'x' }))
  assert.deepEqual(serde.serialize('t', -0), serde.serialize('t', 0))
  // Strings built differently (one-byte vs two-byte in V8) still encode the same.
  const built = ['wo', 'rd'].join('')
  assert.deepEqual(serde.serialize('t', built), serde.serialize('t', 'word'))
  assert.notDeepEqual(serde.serialize('t', '1'), serde.serialize('t', 1))
})

test('keeps a "__proto__" key as data', () => {
  const value = JSON.parse('{"__proto__": {"polluted": true}}') as object
  const back = roundTrip(value) as { polluted?: boolean }
  assert.equal(back.polluted, undefined)
  assert.deepEqual(Object.keys(back), ['__proto__'])
  assert.equal(({} as { polluted?: boolean }).polluted, undefined)
})

test('refuses what would not come back as it went in, and bytes it did not write', () => {
  class Money {
    readonly cents = 1
  }
  assert.throws(() => serde.serialize('store-x', new Money()), (e: unknown) => e instanceof SerializationError && /Money/.test(e.message) && /store-x/.test(e.message))
  assert.throws(() => serde.serialize('t', () => 1), SerializationError)
  assert.throws(() => serde.serialize('t', Symbol('s')), SerializationError)
  assert.throws(() => serde.deserialize('t', Buffer.from([99])), /Unknown structured tag/)
  assert.throws(() => serde.deserialize('t', Buffer.from([5, 0, 0, 0, 9, 65])), /Truncated/)
  assert.throws(() => serde.deserialize('t', Buffer.concat([serde.serialize('t', 1), Buffer.from([0])])), /Trailing/)
})
