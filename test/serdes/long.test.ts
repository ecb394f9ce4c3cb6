import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Serdes } from '../../src/serdes/serdes.ts'
import { assertSerializationError, bytesOf, hex } from './helpers.ts'

// Byte vectors are Java's LongSerializer output: 8 bytes, big-endian two's complement.
const vectors: Array<[number, string]> = [
  [0, '00 00 00 00 00 00 00 00'],
  [1, '00 00 00 00 00 00 00 01'],
  [-1, 'ff ff ff ff ff ff ff ff'],
  [256, '00 00 00 00 00 00 01 00'],
  [2 ** 32, '00 00 00 01 00 00 00 00'],
  [-(2 ** 32), 'ff ff ff ff 00 00 00 00'],
  [-2, 'ff ff ff ff ff ff ff fe'],
  [1_700_000_000_123, '00 00 01 8b cf e5 68 7b'],
  [Number.MAX_SAFE_INTEGER, '00 1f ff ff ff ff ff ff'],
  [Number.MIN_SAFE_INTEGER, 'ff e0 00 00 00 00 00 01'],
]

describe('Serdes.long()', () => {
  const serde = Serdes.long()

  it('is named Long', () => assert.equal(serde.name, 'Long'))

  for (const [value, bytes] of vectors) {
    it(`${value} ⇄ ${bytes}`, () => {
      assert.equal(hex(serde.serialize('t', value)), bytes)
      assert.equal(serde.deserialize('t', bytesOf(bytes)), value)
    })
  }

  it('refuses non-integers and values beyond 2^53 on serialize', () => {
    for (const bad of [1.5, NaN, Infinity, 2 ** 53, -(2 ** 60)]) {
      assertSerializationError(() => serde.serialize('payments', bad), /LongSerializer/, /"payments"/, /Serdes\.bigint/)
    }
  })

  it('refuses int64 values a number cannot hold exactly, instead of rounding', () => {
    for (const bytes of ['00 20 00 00 00 00 00 00', '7f ff ff ff ff ff ff ff', '80 00 00 00 00 00 00 00', 'ff e0 00 00 00 00 00 00']) {
      assertSerializationError(() => serde.deserialize('counts', bytesOf(bytes)), /LongDeserializer/, /"counts"/, /precision/)
    }
  })

  it('reports a wrong length with Java\'s wording, the topic and the length', () => {
    assertSerializationError(
      () => serde.deserialize('counts', Buffer.from([1, 2, 3])),
      /^Size of data received by LongDeserializer is not 8/,
      /topic "counts"/,
      /received 3 bytes/,
    )
  })
})

describe('Serdes.bigint()', () => {
  const serde = Serdes.bigint()

  it('has the same bytes as long() and the full int64 range', () => {
    const cases: Array<[bigint, string]> = [
      [1n, '00 00 00 00 00 00 00 01'],
      [-1n, 'ff ff ff ff ff ff ff ff'],
      [2n ** 63n - 1n, '7f ff ff ff ff ff ff ff'],
      [-(2n ** 63n), '80 00 00 00 00 00 00 00'],
      [2n ** 53n + 1n, '00 20 00 00 00 00 00 01'],
    ]
    for (const [value, bytes] of cases) {
      assert.equal(hex(serde.serialize('t', value)), bytes)
      assert.equal(serde.deserialize('t', bytesOf(bytes)), value)
    }
  })

  it('refuses values outside int64 and non-bigints', () => {
    assertSerializationError(() => serde.serialize('t', 2n ** 63n), /int64/)
    assertSerializationError(() => serde.serialize('t', 1 as unknown as bigint), /not a bigint/)
  })

  it('reports a wrong length', () => {
    assertSerializationError(() => serde.deserialize('t', Buffer.alloc(9)), /is not 8/, /received 9 bytes/)
  })
})
