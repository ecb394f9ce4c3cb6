import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Serde } from '../../src/serdes/serde.ts'
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
