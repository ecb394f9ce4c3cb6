import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RowCache } from '../../src/state/row-cache.ts'

describe('RowCache', () => {
  it('keeps recent rows and known-absent keys, bounded by capacity', () => {
    const cache = new RowCache(4)
    cache.set('a', Buffer.from('1'))
    cache.set('gone', null)
    assert.equal(cache.get('a')?.toString(), '1')
    assert.equal(cache.get('gone'), null)
    assert.equal(cache.get('never'), undefined)
    for (let i = 0; i < 100; i++) cache.set(`k${i}`, Buffer.from('v'))
    assert.ok(cache.size <= 4)
    assert.equal(cache.get('a'), undefined, 'old rows fall out')
    assert.equal(cache.get('k99')?.toString(), 'v')
  })

  it('a hit in the old generation survives the next rotation', () => {
    const cache = new RowCache(4)
    cache.set('hot', Buffer.from('h'))
    cache.set('x', null) // rotates: hot and x are now old
    assert.equal(cache.get('hot')?.toString(), 'h') // promoted to young
    cache.set('y', null) // rotates again: the old generation (x) is dropped
    assert.equal(cache.get('hot')?.toString(), 'h')
    assert.equal(cache.get('x'), undefined)
  })

  it('delete and clear forget rows; capacity 0 caches nothing', () => {
    const cache = new RowCache(10)
    cache.set('a', null)
    cache.delete('a')
    assert.equal(cache.get('a'), undefined)
    cache.set('b', null)
    cache.clear()
    assert.equal(cache.size, 0)
    const off = new RowCache(0)
    off.set('a', null)
    assert.equal(off.enabled, false)
    assert.equal(off.get('a'), undefined)
  })
})
