import assert from 'node:assert/strict'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { checkpointPath, OffsetCheckpoint } from '../../src/state/checkpoint.ts'
import { CheckpointCorruptedError } from '../../src/state/errors.ts'
import { tempDir } from './fake-context.ts'

const offsets = [
  { topic: 'app-counts-changelog', partition: 3, offset: 1042 },
  { topic: 'app-other-changelog', partition: 3, offset: 17 },
]

describe('OffsetCheckpoint', () => {
  it('writes Kafka’s text format and reads it back', () => {
    using dir = tempDir()
    const checkpoint = OffsetCheckpoint.forTask(dir.path)
    assert.equal(checkpoint.path, join(dir.path, '.checkpoint'))
    assert.equal(checkpointPath(dir.path), checkpoint.path)
    checkpoint.write(offsets)
    assert.equal(readFileSync(checkpoint.path, 'utf8'), '0\n2\napp-counts-changelog 3 1042\napp-other-changelog 3 17\n')
    assert.deepEqual(checkpoint.read(), offsets)
    assert.equal(existsSync(`${checkpoint.path}.tmp`), false, 'temp file renamed away')
  })

  it('async variants round-trip and overwrite', async () => {
    using dir = tempDir()
    const checkpoint = OffsetCheckpoint.forTask(dir.path)
    await checkpoint.writeAsync(offsets)
    await checkpoint.writeAsync([{ topic: 't', partition: 0, offset: 5 }])
    assert.deepEqual(await checkpoint.readAsync(), [{ topic: 't', partition: 0, offset: 5 }])
    await checkpoint.deleteAsync()
    assert.deepEqual(await checkpoint.readAsync(), [])
  })

  it('a missing file reads as no offsets; an empty map writes nothing', () => {
    using dir = tempDir()
    const checkpoint = OffsetCheckpoint.forTask(dir.path)
    assert.deepEqual(checkpoint.read(), [])
    checkpoint.write([])
    assert.equal(existsSync(checkpoint.path), false)
    checkpoint.delete()
  })

  it('reads files written by Kafka Streams (whitespace runs, CRLF)', () => {
    using dir = tempDir()
    const checkpoint = OffsetCheckpoint.forTask(dir.path)
    writeFileSync(checkpoint.path, '0\r\n1\r\nmy-app-store-changelog   0\t9007199254740991\r\n')
    assert.deepEqual(checkpoint.read(), [{ topic: 'my-app-store-changelog', partition: 0, offset: Number.MAX_SAFE_INTEGER }])
  })

  for (const [label, content, reason] of [
    ['empty file', '', /ended prematurely/],
    ['truncated mid-line', '0\n2\napp-counts-changelog 3 1042\napp-oth', /ended prematurely/],
    ['fewer entries than counted', '0\n2\napp-counts-changelog 3 1042\n', /expected 2 entries but found 1/],
    ['unknown version', '1\n0\n', /unknown offset checkpoint version: 1/],
    ['malformed line', '0\n1\napp-counts-changelog three 1042\n', /malformed line/],
    ['malformed count', '0\nx\n', /malformed count/],
    ['garbage bytes', '\u0000\u0001\u0002\n1\n', /malformed version/],
    ['offset beyond 2^53', '0\n1\nt 0 99999999999999999999\n', /malformed line/],
  ] as const) {
    it(`reports a corrupt file (${label}) as CheckpointCorruptedError`, async () => {
      using dir = tempDir()
      const checkpoint = OffsetCheckpoint.forTask(dir.path)
      writeFileSync(checkpoint.path, content)
      assert.throws(() => checkpoint.read(), (err: unknown) => {
        assert.ok(err instanceof CheckpointCorruptedError)
        assert.equal(err.code, 'CHECKPOINT_CORRUPTED')
        assert.equal(err.path, checkpoint.path)
        assert.match(err.message, reason)
        return true
      })
      await assert.rejects(checkpoint.readAsync(), CheckpointCorruptedError)
    })
  }

  it('refuses to write entries that would not read back', () => {
    using dir = tempDir()
    const checkpoint = OffsetCheckpoint.forTask(dir.path)
    assert.throws(() => checkpoint.write([{ topic: 'has space', partition: 0, offset: 1 }]), TypeError)
    assert.throws(() => checkpoint.write([{ topic: 't', partition: -1, offset: 1 }]), TypeError)
    assert.throws(() => checkpoint.write([{ topic: 't', partition: 0, offset: 1.5 }]), TypeError)
    assert.equal(existsSync(checkpoint.path), false)
  })
})
