import assert from 'node:assert/strict'
import { test } from 'node:test'
import { WindowedSerdes } from '../../src/state/windowed-serdes.ts'
import { TopologyTestDriver } from '../../src/testing/index.ts'
import { EmitStrategy } from '../../src/topology/dsl/emit-strategy.ts'
import { SessionWindows } from '../../src/topology/dsl/session-windows.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { TimeWindows } from '../../src/topology/dsl/time-windows.ts'
import { tempStateDir } from '../runtime/helpers.ts'
import { num, readWindowed, str } from './windows-helpers.ts'

test('RocksDB window store through the driver: windows survive close and reopen; emit-on-close resumes without re-emitting', async () => {
  using dir = tempStateDir()
  const topology = () => {
    const b = new StreamsBuilder()
    b.stream('in', { key: str, value: str })
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
      .emitStrategy(EmitStrategy.onWindowClose())
      .count({ storeName: 'counts' })
      .toStream()
      .to('out', { value: num })
    return b.build()
  }
  const out = (driver: TopologyTestDriver) => readWindowed(driver, 'out', WindowedSerdes.timeWindowed(str, 10), num)

  const first = await TopologyTestDriver.create(topology(), { stateDir: dir.dir })
  const input1 = first.createInputTopic('in', str, str)
  input1.pipeInput('a', 'x', 1)
  input1.pipeInput('a', 'x', 2)
  input1.pipeInput('a', 'x', 12)
  input1.pipeInput('b', 'x', 15)
  assert.deepEqual(out(first), [['a', 0, 10, 2, 2]])
  assert.equal(first.getStateStore('counts').persistent, true)
  first.close()
  await new Promise((resolve) => setTimeout(resolve, 50))

  const second = await TopologyTestDriver.create(topology(), { stateDir: dir.dir })
  try {
    assert.deepEqual([...second.getWindowStore<string, number>('counts').fetch('a', 0, 100)].map((e) => [e.key, e.value]), [[0, 2], [10, 1]])
    second.createInputTopic('in', str, str).pipeInput('c', 'x', 25)
    // [0,10) was emitted before the restart; [10,20) closes now, once per key.
    assert.deepEqual(out(second), [['a', 10, 20, 1, 12], ['b', 10, 20, 1, 15]])
  } finally {
    second.close()
  }
  await new Promise((resolve) => setTimeout(resolve, 50))
})

test('RocksDB session store through the driver', async () => {
  using dir = tempStateDir()
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: str }).groupByKey().windowedBy(SessionWindows.ofInactivityGapWithNoGrace(5)).count({ storeName: 'sessions' })
  const driver = await TopologyTestDriver.create(b.build(), { stateDir: dir.dir })
  try {
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('k', 'x', 10)
    input.pipeInput('k', 'x', 13)
    const store = driver.getSessionStore<string, number>('sessions')
    assert.equal(store.persistent, true)
    assert.deepEqual([...store.fetch('k')].map(({ key, value }) => [key.window.start, key.window.end, value]), [[10, 13, 2]])
  } finally {
    driver.close()
  }
  await new Promise((resolve) => setTimeout(resolve, 50))
})
