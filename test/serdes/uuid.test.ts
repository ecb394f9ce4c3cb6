import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Serdes } from '../../src/serdes/serdes.ts'
import { assertSerializationError } from './helpers.ts'

// Kafka's UUIDSerializer writes uuid.toString().getBytes(UTF_8): the 36-char text, not 16 bytes.
describe('Serdes.uuid()', () => {
  const serde = Serdes.uuid()
  const id = '123e4567-e89b-12d3-a456-426614174000'

  it('writes the 36-character text form as UTF-8', () => {
    const bytes = serde.serialize('t', id)
    assert.equal(bytes.length, 36)
    assert.deepEqual(bytes, Buffer.from(id, 'utf8'))
    assert.equal(serde.deserialize('t', bytes), id)
  })

  it('writes lower case, as Java UUID.toString() does, and reads either case', () => {
    assert.deepEqual(serde.serialize('t', id.toUpperCase()), Buffer.from(id))
    assert.equal(serde.deserialize('t', Buffer.from(id.toUpperCase())), id)
  })

  it('validates the format on serialize', () => {
    for (const bad of ['not-a-uuid', id.slice(1), `${id}0`, id.replace(/-/g, ''), `{${id}}`]) {
      assertSerializationError(() => serde.serialize('users', bad), /UUIDSerializer/, /"users"/)
    }
  })

  it('validates the format on deserialize, with the topic', () => {
    assertSerializationError(() => serde.deserialize('users', Buffer.from('hello')), /Error parsing data into UUID/, /"hello"/, /"users"/)
    assertSerializationError(() => serde.deserialize('users', Buffer.from(id.replace('a', 'g'))), /not a UUID/)
    assertSerializationError(() => serde.deserialize('users', Buffer.alloc(16)), /not a UUID/)
  })
})
