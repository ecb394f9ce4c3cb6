import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Processor, ProcessorContext } from '../../../src/processors/processor.ts'
import type { Record } from '../../../src/processors/record.ts'
import { InMemoryRecordCollector } from '../../../src/runtime/task/in-memory-record-collector.ts'
import { StreamTask } from '../../../src/runtime/task/stream-task.ts'
import { Serdes } from '../../../src/serdes/serdes.ts'
import { Stores } from '../../../src/state/stores.ts'
import type { KeyValueStore } from '../../../src/state/store.ts'
import { Topology } from '../../../src/topology/topology.ts'
import { consumerRecord } from './helpers.ts'

/** Writes `<value>-1`, reads a range (a RocksDB store writes its pending batch first), writes `<value>-2`, then throws on `boom`. */
class WriteScanWriteThrow implements Processor<string, string> {
  #store!: KeyValueStore<string, string>
  init(context: ProcessorContext): void {
    this.#store = context.getStateStore('kv')
  }
  process(record: Record<string, string>): void {
    this.#store.put(`${record.key}-1`, record.value)
    using scan = this.#store.range('a', 'z')
    for (const _entry of scan) {
      // reading is what flushes
    }
    this.#store.put(`${record.key}-2`, record.value)
    if (record.value === 'boom') {
      this.#store.delete('kept-by-earlier')
      throw new Error('boom')
    }
  }
}

function topology(): Topology {
  const str = Serdes.string()
  return new Topology()
    .addSource('in', 'input', { keySerde: str, valueSerde: str })
    .addProcessor('p', () => new WriteScanWriteThrow(), 'in')
    .addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore('kv'), str, str).withLoggingDisabled(), 'p')
}

async function openTask(stateDir: string): Promise<StreamTask> {
  const task = new StreamTask(topology().compile('app').subtopologies[0]!, 0, {
    applicationId: 'app',
    collector: new InMemoryRecordCollector(),
    stateDir,
    // The default processing policy: fail. No undoPartialWrites given.
  })
  await task.openStores()
  task.initialize()
  return task
}

test('under the default fail policy, a failed record leaves none of its writes in a RocksDB store, even those flushed early by a range read', async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'kstreams-persistent-undo-'))
  t.after(() => rmSync(stateDir, { recursive: true, force: true }))

  const task = await openTask(stateDir)
  const store = task.store('kv') as KeyValueStore<string, string>
  store.put('kept-by-earlier', 'yes') // a committed earlier write the failed record deletes
  task.prepareCommit()
  task.postCommit()

  task.addRecords('input', 0, [consumerRecord('input', 0, 'a', 'fine', 1), consumerRecord('input', 1, 'b', 'boom', 2)])
  assert.equal(task.process(), true)
  assert.throws(() => task.process(), (error: Error) => error.name === 'ProcessingError' && /boom/.test(error.message))
  assert.equal(task.state, 'failed')
  task.close(false)
  // Let the binding release its file lock before reopening.
  await new Promise((resolve) => setTimeout(resolve, 50))

  const reopened = await openTask(stateDir)
  try {
    const kv = reopened.store('kv') as KeyValueStore<string, string>
    assert.equal(kv.get('b-1'), undefined, 'the write flushed early by the range read was taken back')
    assert.equal(kv.get('b-2'), undefined)
    assert.equal(kv.get('kept-by-earlier'), 'yes', 'the delete was taken back')
    // The record before it succeeded: its writes stay (at-least-once; it is reprocessed from the last commit).
    assert.equal(kv.get('a-1'), 'fine')
    assert.equal(kv.get('a-2'), 'fine')
  } finally {
    reopened.close(true)
  }
})
