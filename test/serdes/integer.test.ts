import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Serdes } from '../../src/serdes/serdes.ts'
import { assertSerializationError, bytesOf, hex } from './helpers.ts'

describe('Serdes.integer()', () => {
  const serde = Serdes.integer()

  it('writes Java IntegerSerializer bytes (4, big-endian)', () => {
    const vectors: Array<[number, string]> = [
      [0, '00 00 00 00'],
      [1, '00 00 00 01'],
      [256, '00 00 01 00'],
      [-1, 'ff ff ff ff'],
      [2 ** 31 - 1, '7f ff ff ff'],
      [-(2 ** 31), '80 00 00 00'],
    ]
    for (const [value, bytes] of vectors) {
      assert.equal(hex(serde.serialize('t', value)), bytes)
      assert.equal(serde.deserialize('t', bytesOf(bytes)), value)
    }
  })

  it('range-checks on serialize', () => {
    for (const bad of [2 ** 31, -(2 ** 31) - 1, 1.5, NaN]) {
      assertSerializationError(() => serde.serialize('t', bad), /IntegerSerializer/, /int32/)
    }
  })

  it('reports a wrong length', () => {
    assertSerializationError(
      () => serde.deserialize('orders', Buffer.alloc(8)),
      /^Size of data received by IntegerDeserializer is not 4/,
      /"orders"/,
      /received 8 bytes/,
    )
  })
})

describe('Serdes.short()', () => {
  const serde = Serdes.short()

  it('writes Java ShortSerializer bytes (2, big-endian)', () => {
    const vectors: Array<[number, string]> = [
      [1, '00 01'],
      [-1, 'ff ff'],
      [32767, '7f ff'],
      [-32768, '80 00'],
    ]
    for (const [value, bytes] of vectors) {
      assert.equal(hex(serde.serialize('t', value)), bytes)
      assert.equal(serde.deserialize('t', bytesOf(bytes)), value)
    }
  })

  it('range-checks and length-checks', () => {
    assertSerializationError(() => serde.serialize('t', 32768), /int16/)
    assertSerializationError(() => serde.deserialize('t', Buffer.alloc(4)), /ShortDeserializer is not 2/)
  })
})
