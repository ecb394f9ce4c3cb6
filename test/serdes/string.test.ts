import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Serdes } from '../../src/serdes/serdes.ts'
import { assertSerializationError, hex } from './helpers.ts'

describe('Serdes.string()', () => {
  const serde = Serdes.string()

  it('is UTF-8, like StringSerializer', () => {
    assert.equal(hex(serde.serialize('t', 'héllo €')), '68 c3 a9 6c 6c 6f 20 e2 82 ac')
    assert.equal(serde.deserialize('t', Buffer.from('68c3a96c6c6f20e282ac', 'hex')), 'héllo €')
    assert.equal(serde.serialize('t', '').length, 0)
    assert.equal(serde.deserialize('t', Buffer.alloc(0)), '')
  })

  it('round-trips astral characters', () => {
    assert.equal(serde.deserialize('t', serde.serialize('t', 'a😀b')), 'a😀b')
  })

  it('decodes malformed UTF-8 to U+FFFD, as Java does', () => {
    assert.equal(serde.deserialize('t', Buffer.from([0x61, 0xff, 0x62])), 'a\uFFFDb')
  })

  it('refuses non-strings', () => {
    assertSerializationError(() => serde.serialize('t', 42 as unknown as string), /StringSerializer/, /not a string/)
  })
})

describe('Serdes.boolean()', () => {
  const serde = Serdes.boolean()

  it('is one byte, 01 or 00', () => {
    assert.equal(hex(serde.serialize('t', true)), '01')
    assert.equal(hex(serde.serialize('t', false)), '00')
    assert.equal(serde.deserialize('t', Buffer.from([1])), true)
    assert.equal(serde.deserialize('t', Buffer.from([0])), false)
  })

  it('refuses other bytes and lengths, in Java\'s words', () => {
    assertSerializationError(() => serde.deserialize('flags', Buffer.from([2])), /Unexpected byte received by BooleanDeserializer: 2/, /"flags"/)
    assertSerializationError(() => serde.deserialize('flags', Buffer.from([1, 1])), /BooleanDeserializer is not 1/)
  })
})

describe('Serdes.bytes()', () => {
  const serde = Serdes.bytes()

  it('passes bytes through without copying', () => {
    const buf = Buffer.from([1, 2, 3])
    assert.equal(serde.serialize('t', buf), buf)
    assert.equal(serde.deserialize('t', buf), buf)
  })

  it('accepts a Uint8Array as a Buffer view over the same memory', () => {
    const arr = new Uint8Array([9, 8, 7])
    const out = serde.serialize('t', arr as Buffer)
    assert.ok(Buffer.isBuffer(out))
    assert.equal(out.buffer, arr.buffer)
    assert.equal(hex(out), '09 08 07')
  })
})

describe('Serdes.string() short-string path', () => {
  const serde = Serdes.string()

  it('encodes short ASCII, short non-ASCII and long strings exactly as Buffer.from does', () => {
    const samples = ['', 'a', 'key-1234', 'x'.repeat(32), 'x'.repeat(33), `${'y'.repeat(31)}é`, 'é', 'ab\u007fcd', 'ab\u0080cd', 'a😀', 'z'.repeat(1000)]
    for (const s of samples) {
      const out = serde.serialize('t', s)
      assert.ok(Buffer.isBuffer(out))
      assert.deepEqual(out, Buffer.from(s, 'utf8'), JSON.stringify(s))
      assert.equal(serde.deserialize('t', out), s)
    }
  })

  it('returns a distinct buffer per call', () => {
    const a = serde.serialize('t', 'same')
    const b = serde.serialize('t', 'same')
    assert.notEqual(a, b)
    a[0] = 0x41
    assert.equal(b.toString(), 'same')
  })
})
