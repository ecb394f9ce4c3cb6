import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Serde } from '../../src/serdes/serde.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { getValueOrNull, readTimestamp, timestampedValue, ValueAndTimestampSerde, valueAndTimestamp, writeTimestamp } from '../../src/state/value-and-timestamp.ts'

const utf8: Serde<string> = {
  name: 'String',
  serialize: (_topic, value) => Buffer.from(value, 'utf8'),
  deserialize: (_topic, data) => data.toString('utf8'),
}

describe('ValueAndTimestamp layout', () => {
  it('is 8-byte big-endian timestamp then the value bytes (Kafka ValueAndTimestampSerializer)', () => {
    const serde = new ValueAndTimestampSerde(utf8)
    const bytes = serde.serialize('t', { value: 'hi', timestamp: 0x0102030405 })
    assert.equal(bytes.toString('hex'), '0000000102030405' + '6869')
    assert.deepEqual(serde.deserialize('t', bytes), { value: 'hi', timestamp: 0x0102030405 })
    assert.equal(serde.name, 'ValueAndTimestamp<String>')
  })

  it('round-trips timestamps across the int64 range JavaScript can hold', () => {
    for (const ts of [0, 1, -1, 2 ** 32 - 1, 2 ** 32, 1_700_000_000_000, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
      const buf = Buffer.alloc(8)
      writeTimestamp(buf, ts)
      assert.equal(buf.readBigInt64BE(0), BigInt(ts), `bytes of ${ts}`)
      assert.equal(readTimestamp(buf), ts)
    }
  })

  it('timestampedValue matches the serde', () => {
    assert.equal(timestampedValue(Buffer.from('x'), 7).toString('hex'), '000000000000000778')
  })

  it('rejects values shorter than the timestamp', () => {
    assert.throws(() => new ValueAndTimestampSerde(utf8).deserialize('t', Buffer.alloc(3)), RangeError)
  })

  it('helpers', () => {
    assert.deepEqual(valueAndTimestamp('v', 3), { value: 'v', timestamp: 3 })
    assert.equal(getValueOrNull(valueAndTimestamp('v', 3)), 'v')
    assert.equal(getValueOrNull(undefined), null)
    assert.equal(getValueOrNull(null), null)
  })
})

describe('ValueAndTimestamp of fixed-width values (written and read in place)', () => {
  const cases: Array<[string, Serde<number>, number[]]> = [
    ['Long', Serdes.long(), [0, 1, -1, 42, 2 ** 40, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]],
    ['Integer', Serdes.integer(), [0, 1, -1, 2 ** 31 - 1, -(2 ** 31)]],
    ['Double', Serdes.double(), [0, -0, 1.5, -2.25, Number.MAX_VALUE, Infinity]],
  ]
  for (const [name, inner, values] of cases) {
    it(`${name}: the same bytes as timestamp + the serde's own bytes, and back`, () => {
      const serde = new ValueAndTimestampSerde(inner)
      for (const value of values) {
        const bytes = serde.serialize('t', { value, timestamp: 1_700_000_000_123 })
        assert.deepEqual(bytes, timestampedValue(inner.serialize('t', value), 1_700_000_000_123), `${name} ${value}`)
        assert.deepEqual(serde.deserialize('t', bytes), { value, timestamp: 1_700_000_000_123 })
        assert.ok(Object.is(serde.deserialize('t', bytes).value, value))
      }
    })

    it(`${name}: refuses what the serde refuses, with its errors`, () => {
      const serde = new ValueAndTimestampSerde(inner)
      const tooShort = timestampedValue(Buffer.alloc(3), 1)
      assert.throws(() => serde.deserialize('t', tooShort), (error: Error) => {
        assert.throws(() => inner.deserialize('t', Buffer.alloc(3)), { message: error.message })
        return true
      })
      if (name !== 'Double') {
        assert.throws(() => serde.serialize('t', { value: 0.5, timestamp: 1 }), (error: Error) => {
          assert.throws(() => inner.serialize('t', 0.5), { message: error.message })
          return true
        })
      }
    })
  }

  it('Long: an int64 beyond 2^53 is refused with the value in hex, as Serdes.long() does', () => {
    const serde = new ValueAndTimestampSerde(Serdes.long())
    const raw = Buffer.from('7fffffffffffffff', 'hex')
    assert.throws(() => serde.deserialize('counts', timestampedValue(raw, 5)), (error: Error) => {
      assert.match(error.message, /0x7fffffffffffffff on topic "counts"/)
      assert.throws(() => Serdes.long().deserialize('counts', raw), { message: error.message })
      return true
    })
  })
})
