import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { silentLogger } from '../../src/instrumentation/logger.ts'
import { loadCheckpoint, taskDirectory, writeCheckpoint } from '../../src/runtime/state-directory.ts'
import { tempStateDir } from './helpers.ts'

test('task directories are <stateDir>/<applicationId>/<taskId>', () => {
  assert.equal(taskDirectory('/s', 'app', '1_2'), join('/s', 'app', '1_2'))
})

test('at-least-once: the checkpoint is read and kept', () => {
  using s = tempStateDir()
  const dir = join(s.dir, 'app', '0_0')
  writeCheckpoint(dir, new Map([['app-store-changelog:0', 41]]))
  assert.deepEqual(loadCheckpoint(dir, false, silentLogger), new Map([['app-store-changelog:0', 41]]))
  assert.ok(existsSync(join(dir, '.checkpoint')))
})

test('exactly-once: the checkpoint is deleted once read, and state without one is wiped', () => {
  using s = tempStateDir()
  const dir = join(s.dir, 'app', '0_0')
  mkdirSync(join(dir, 'rocksdb', 'store'), { recursive: true })
  writeFileSync(join(dir, 'rocksdb', 'store', 'data'), 'x')
  writeCheckpoint(dir, new Map([['app-store-changelog:0', 7]]))
  assert.deepEqual(loadCheckpoint(dir, true, silentLogger), new Map([['app-store-changelog:0', 7]]))
  assert.equal(existsSync(join(dir, '.checkpoint')), false, 'a crash from now on leaves no checkpoint')
  assert.ok(existsSync(join(dir, 'rocksdb', 'store', 'data')), 'state with a checkpoint is kept')
  // Next start after a crash: no checkpoint, so the local state cannot be trusted.
  assert.deepEqual(loadCheckpoint(dir, true, silentLogger), new Map())
  assert.equal(existsSync(join(dir, 'rocksdb')), false)
})

test('a corrupted checkpoint wipes the task state', () => {
  using s = tempStateDir()
  const dir = join(s.dir, 'app', '0_0')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'store-file'), 'x')
  writeFileSync(join(dir, '.checkpoint'), '0\n2\nonly-one-line 0 1\n')
  const warnings: string[] = []
  const logger = { ...silentLogger, warn: (_o: object, m?: string) => void warnings.push(m ?? '') }
  assert.deepEqual(loadCheckpoint(dir, false, logger), new Map())
  assert.equal(existsSync(join(dir, 'store-file')), false)
  assert.equal(warnings.length, 1)
})
