import assert from 'node:assert/strict'
import { test } from 'node:test'
import { changeSerde } from '../../src/processors/change.ts'
import { Serdes } from '../../src/serdes/serdes.ts'

test('the Change serde round-trips new-only, old-only, both and neither', () => {
  const serde = changeSerde(Serdes.string())
  for (const change of [
    { newValue: 'new', oldValue: null },
    { newValue: null, oldValue: 'old' },
    { newValue: 'n', oldValue: 'o' },
    { newValue: '', oldValue: '' },
    { newValue: null, oldValue: null },
  ]) {
    assert.deepEqual(serde.deserialize('t', serde.serialize('t', change)), change)
  }
  assert.equal(serde.name, 'Change<String>')
  assert.throws(() => serde.deserialize('t', Buffer.from([9])), /Not a Change/)
})

test('the Change serde passes the inner serde\'s async set-up through', async () => {
  const seen: string[] = []
  const inner = {
    ...Serdes.string(),
    name: 'Tracing',
    serialize: Serdes.string().serialize,
    deserialize: Serdes.string().deserialize,
    configure: async () => void seen.push('configure'),
    prepareSerialize: (topic: string) => (seen.push(`serialize:${topic}`), undefined),
    prepare: (_topic: string, data: Buffer) => (seen.push(`prepare:${data.toString()}`), Promise.resolve()),
  }
  const serde = changeSerde(inner)
  await serde.configure!()
  serde.prepareSerialize!('topic')
  await serde.prepare!('t', serde.serialize('t', { newValue: 'a', oldValue: 'b' }))
  assert.equal(serde.prepare!('t', serde.serialize('t', { newValue: null, oldValue: null })), undefined)
  assert.deepEqual(seen, ['configure', 'serialize:topic', 'prepare:a', 'prepare:b'])
  assert.equal(changeSerde(Serdes.string()).prepare, undefined)
})
