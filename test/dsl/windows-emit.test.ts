import assert from 'node:assert/strict'
import { test } from 'node:test'
import { WindowedSerdes } from '../../src/state/windowed-serdes.ts'
import { EmitStrategy } from '../../src/topology/dsl/emit-strategy.ts'
import { SessionWindows } from '../../src/topology/dsl/session-windows.ts'
import { SlidingWindows } from '../../src/topology/dsl/sliding-windows.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { TimeWindows } from '../../src/topology/dsl/time-windows.ts'
import { capturingLogger, num, readWindowed, str, withDriver } from './windows-helpers.ts'

test('emitStrategy(onWindowClose): each time window once, with its final count, when it closes', () => {
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: str })
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeAndGrace(10, 5).advanceBy(5))
    .emitStrategy(EmitStrategy.onWindowClose())
    .count({ storeName: 'counts' })
    .toStream()
    .to('out', { value: num })
  withDriver(b.build(), {}, (driver) => {
    const input = driver.createInputTopic('in', str, str)
    const out = () => readWindowed(driver, 'out', WindowedSerdes.timeWindowed(str, 10), num)
    input.pipeInput('a', 'x', 1)
    input.pipeInput('b', 'x', 7)
    input.pipeInput('a', 'x', 8)
    input.pipeInput('a', 'x', 14)
    assert.deepEqual(out(), [])
    input.pipeInput('a', 'x', 15) // close time 10: [-5,5) does not exist; [0,10) closes
    assert.deepEqual(out(), [['a', 0, 10, 2, 8], ['b', 0, 10, 1, 7]])
    input.pipeInput('a', 'x', 9) // late for [0,10) (emitted), still counted in [5,15)
    input.pipeInput('a', 'x', 20) // close time 15: [5,15) closes
    assert.deepEqual(out(), [['b', 5, 15, 1, 7], ['a', 5, 15, 3, 14]])
    assert.equal(driver.droppedRecords, 1)
    assert.equal(driver.getWindowStore('counts').fetch('a', 10), 2, 'open windows are in the store, as ever')
  })
})

test('emitStrategy(onWindowClose) on sessions: merged sessions are not emitted, the final session once', () => {
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: str })
    .groupByKey()
    .windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 10))
    .emitStrategy(EmitStrategy.onWindowClose())
    .count()
    .toStream()
    .to('out', { value: num })
  withDriver(b.build(), {}, (driver) => {
    const input = driver.createInputTopic('in', str, str)
    const out = () => readWindowed(driver, 'out', WindowedSerdes.sessionWindowed(str), num)
    input.pipeInput('a', 'x', 0)
    input.pipeInput('a', 'x', 8)
    input.pipeInput('a', 'x', 4) // bridges [0,0] and [8,8]
    input.pipeInput('b', 'x', 23) // close time 23 - 5 - 10 = 8: sessions ending before 8 are final; [0,8] is not
    assert.deepEqual(out(), [])
    input.pipeInput('b', 'x', 24)
    assert.deepEqual(out(), [['a', 0, 8, 3, 8]])
  })
})

test('emitStrategy(onWindowClose) on sliding windows emits each window once', () => {
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: str })
    .groupByKey()
    .windowedBy(SlidingWindows.ofTimeDifferenceWithNoGrace(10))
    .emitStrategy(EmitStrategy.onWindowClose())
    .count()
    .toStream()
    .to('out', { value: num })
  withDriver(b.build(), {}, (driver) => {
    const input = driver.createInputTopic('in', str, str)
    const out = () => readWindowed(driver, 'out', WindowedSerdes.timeWindowed(str, 10), num)
    input.pipeInput('a', 'x', 10)
    input.pipeInput('a', 'x', 15)
    input.pipeInput('a', 'x', 40)
    assert.deepEqual(out(), [['a', 0, 10, 1, 10], ['a', 5, 15, 2, 15], ['a', 11, 21, 1, 15]])
  })
})

test('onWindowClose with idleCloseMs closes the last windows after quiet wall-clock time', () => {
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: str })
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
    .emitStrategy(EmitStrategy.onWindowClose({ idleCloseMs: 1000 }))
    .count()
    .toStream()
    .to('out', { value: num })
  const logger = capturingLogger()
  withDriver(b.build(), { logger }, (driver) => {
    const input = driver.createInputTopic('in', str, str)
    const out = () => readWindowed(driver, 'out', WindowedSerdes.timeWindowed(str, 10), num)
    input.pipeInput('a', 'x', 5)
    driver.advanceWallClockTime(999)
    assert.deepEqual(out(), [])
    driver.advanceWallClockTime(1)
    assert.deepEqual(out(), [['a', 0, 10, 1, 5]])
    input.pipeInput('a', 'x', 6) // closed by idle close: late
    assert.equal(driver.droppedRecords, 1)
    assert.deepEqual(out(), [])
  })
  assert.throws(() => EmitStrategy.onWindowClose({ idleCloseMs: 0 }), /idleCloseMs/)
})
