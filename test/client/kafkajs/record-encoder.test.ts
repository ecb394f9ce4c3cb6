import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
// kafkajs-client.ts installs the encoder before it loads kafkajs.
import '../../../src/client/kafkajs/kafkajs-client.ts'
import { createRecordEncoder, recordEncoderInstalled } from '../../../src/client/kafkajs/record-encoder.ts'

const require = createRequire(import.meta.url)
type Encoder = (args: object) => { buffer: Buffer }

/** kafkajs's own record encoder, loaded fresh (the require cache holds ours). */
function kafkajsOriginal(): Encoder {
  const path = require.resolve('kafkajs/src/protocol/recordBatch/record/v0/index.js')
  const cached = require.cache[path]!
  delete require.cache[path]
  try {
    return require(path) as Encoder
  } finally {
    require.cache[path] = cached
  }
}

test("kafkajs's produce request uses the fast record encoder when kstreams loads kafkajs", () => {
  assert.equal(recordEncoderInstalled, true)
})

test("the fast record encoder writes kafkajs's bytes, and hands what it does not handle to kafkajs", () => {
  const original = kafkajsOriginal()
  const calls: object[] = []
  const fast = createRecordEncoder((args) => {
    calls.push(args)
    return original(args) as never
  })
  const sizes = [0, 1, 63, 64, 127, 128, 8191, 8192, 100_000]
  const cases: object[] = []
  for (const size of sizes) {
    for (const delta of [0, 1, -1, 63, 64, -65, 8191, 8192, 1_000_000, -1_000_000, 2 ** 29]) {
      cases.push({ offsetDelta: Math.abs(delta) % 5000, timestampDelta: delta, key: Buffer.alloc(size % 300, 1), value: Buffer.alloc(size, 2) })
    }
    cases.push({ key: null, value: Buffer.alloc(size, 3) }, { key: Buffer.alloc(size, 4), value: null }, { key: undefined, value: null, headers: {} })
  }
  for (const args of cases) assert.deepEqual(fast(args as never).buffer, original(args).buffer, JSON.stringify({ ...args, key: undefined, value: undefined }))
  assert.equal(calls.length, 0)
  const other = [
    { key: 'a string key', value: Buffer.from('v') },
    { key: Buffer.from('k'), value: Buffer.from('v'), headers: { h: Buffer.from('x') } },
    { key: Buffer.from('k'), value: Buffer.from('v'), timestampDelta: 2 ** 40 },
  ]
  for (const args of other) assert.deepEqual(fast(args as never).buffer, original(args).buffer)
  assert.equal(calls.length, other.length)
})
