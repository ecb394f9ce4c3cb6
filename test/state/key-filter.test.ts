import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { KeyFilter } from '../../src/state/key-filter.ts'

describe('KeyFilter', () => {
  it('never forgets a key, across generations', () => {
    const filter = new KeyFilter()
    const n = 300_000
    for (let i = 0; i < n; i++) filter.add(Buffer.from(`key-${i}`))
    for (let i = 0; i < n; i++) assert.ok(filter.mightContain(Buffer.from(`key-${i}`)), `key-${i}`)
  })

  it('says "absent" for almost every key never added', () => {
    const filter = new KeyFilter()
    for (let i = 0; i < 100_000; i++) filter.add(Buffer.from(`key-${i}`))
    let falsePositives = 0
    const probes = 100_000
    for (let i = 0; i < probes; i++) if (filter.mightContain(Buffer.from(`other-${i}`))) falsePositives++
    assert.ok(falsePositives / probes < 0.05, `false-positive rate ${falsePositives / probes}`)
  })

  it('rewriting the same keys does not fill it up', () => {
    const filter = new KeyFilter()
    for (let round = 0; round < 50; round++) for (let i = 0; i < 10_000; i++) filter.add(Buffer.from(`hot-${i}`))
    let falsePositives = 0
    for (let i = 0; i < 10_000; i++) if (filter.mightContain(Buffer.from(`cold-${i}`))) falsePositives++
    assert.ok(falsePositives < 200, `${falsePositives} false positives after 500k writes of 10k keys`)
  })

  it('tells apart keys that differ in one byte, and the empty key', () => {
    const filter = new KeyFilter()
    filter.add(Buffer.from([1, 2, 3]))
    filter.add(Buffer.alloc(0))
    assert.ok(filter.mightContain(Buffer.from([1, 2, 3])))
    assert.ok(filter.mightContain(Buffer.alloc(0)))
    let hits = 0
    for (let b = 0; b < 256; b++) if (b !== 3 && filter.mightContain(Buffer.from([1, 2, b]))) hits++
    assert.ok(hits < 10, `${hits} of 255 one-byte neighbours reported present`)
  })
})
