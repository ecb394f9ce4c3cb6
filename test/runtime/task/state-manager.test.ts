import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { InMemoryRecordCollector } from '../../../src/runtime/task/in-memory-record-collector.ts'
import { ProcessorStateManager } from '../../../src/runtime/task/state-manager.ts'
import { MapStore } from './fixtures.ts'

class PersistentMapStore extends MapStore<string, number> {
  override readonly persistent = true
}

test('the state manager checkpoints changelog offsets of persistent logged stores only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kstreams-state-manager-'))
  try {
    const collector = new InMemoryRecordCollector()
    const manager = new ProcessorStateManager({
      applicationId: 'app',
      taskId: '1_2',
      taskStateDir: dir,
      partition: 2,
      collector,
      changelogs: new Map([['disk', 'app-disk-changelog'], ['memory', 'app-memory-changelog']]),
      currentTimestamp: () => 5,
    })
    const disk = new PersistentMapStore('disk', true)
    const memory = new MapStore<string, number>('memory', true)
    manager.addStore(disk)
    manager.addStore(memory)
    disk.init(manager)
    memory.init(manager)
    assert.throws(() => disk.init(manager), /already registered/)
    assert.equal(manager.changelogTopic('disk'), 'app-disk-changelog')
    assert.deepEqual(manager.changelogPartitions().map((p) => [p.storeName, p.topic, p.partition]), [
      ['disk', 'app-disk-changelog', 2],
      ['memory', 'app-memory-changelog', 2],
    ])
    disk.put('a', 1)
    assert.deepEqual(collector.drain().map((r) => [r.topic, r.partition, r.timestamp]), [['app-disk-changelog', 2, 5]])
    manager.updateChangelogOffsets([
      { topic: 'app-disk-changelog', partition: 2, offset: 10 },
      { topic: 'app-disk-changelog', partition: 2, offset: 7 }, // older: ignored
      { topic: 'app-disk-changelog', partition: 3, offset: 99 }, // another task's partition
      { topic: 'app-memory-changelog', partition: 2, offset: 4 },
    ])
    manager.checkpoint()
    assert.deepEqual(manager.checkpointedOffsets(), [{ topic: 'app-disk-changelog', partition: 2, offset: 10 }])
    manager.deleteCheckpoint()
    assert.deepEqual(manager.checkpointedOffsets(), [])
    manager.flush()
    assert.equal(disk.flushes, 1)
    manager.close()
    assert.equal(disk.isOpen(), false)
    assert.equal(memory.isOpen(), false)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
