import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Serdes } from '../../src/serdes/serdes.ts'
import { assertSerializationError, bytesOf, hex } from './helpers.ts'

describe('Serdes.double()', () => {
  const serde = Serdes.double()

  it('writes Java DoubleSerializer bytes (IEEE 754 binary64, big-endian)', () => {
    const vectors: Array<[number, string]> = [
      [1.5, '3f f8 00 00 00 00 00 00'],
      [0, '00 00 00 00 00 00 00 00'],
      [-2, 'c0 00 00 00 00 00 00 00'],
      [0.1, '3f b9 99 99 99 99 99 9a'],
      [Infinity, '7f f0 00 00 00 00 00 00'],
      [NaN, '7f f8 00 00 00 00 00 00'], // Java's canonical NaN (doubleToLongBits)
    ]
    for (const [value, bytes] of vectors) {
      assert.equal(hex(serde.serialize('t', value)), bytes)
      assert.deepEqual(serde.deserialize('t', bytesOf(bytes)), value)
    }
  })

  it('reports a wrong length', () => {
    assertSerializationError(() => serde.deserialize('prices', Buffer.alloc(4)), /DoubleDeserializer is not 8/, /"prices"/, /received 4/)
  })
})

describe('Serdes.float()', () => {
  const serde = Serdes.float()

  it('writes Java FloatSerializer bytes (IEEE 754 binary32, big-endian)', () => {
    assert.equal(hex(serde.serialize('t', 1.5)), '3f c0 00 00')
    assert.equal(hex(serde.serialize('t', -1)), 'bf 80 00 00')
    assert.equal(serde.deserialize('t', bytesOf('3f c0 00 00')), 1.5)
  })

  it('rounds to single precision like a Java float', () => {
    assert.equal(serde.deserialize('t', serde.serialize('t', 0.1)), Math.fround(0.1))
  })

  it('reports a wrong length', () => {
    assertSerializationError(() => serde.deserialize('t', Buffer.alloc(8)), /FloatDeserializer is not 4/)
  })
})
