import assert from 'node:assert/strict'
import { test } from 'node:test'
import { WindowedSerdes } from '../../src/state/windowed-serdes.ts'
import { SessionWindows } from '../../src/topology/dsl/session-windows.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { BufferConfig, Suppressed } from '../../src/topology/dsl/suppressed.ts'
import { TimeWindows } from '../../src/topology/dsl/time-windows.ts'
import { capturingLogger, num, readWindowed, str, withDriver } from './windows-helpers.ts'

const windowedKey = WindowedSerdes.timeWindowed(str, 10)

function finalCounts(windows: TimeWindows) {
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: str })
    .groupByKey()
    .windowedBy(windows)
    .count({ storeName: 'counts' })
    .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
    .toStream()
    .to('out', { value: num })
  return b.build()
}

test('untilWindowCloses: exactly one final result per window, only once stream time passes end + grace', () => {
  withDriver(finalCounts(TimeWindows.ofSizeAndGrace(10, 5)), {}, (driver) => {
    const input = driver.createInputTopic('in', str, str)
    const out = () => readWindowed(driver, 'out', windowedKey, num)
    input.pipeInput('a', 'x', 1)
    input.pipeInput('a', 'x', 2)
    input.pipeInput('b', 'x', 9)
    input.pipeInput('a', 'x', 12)
    assert.deepEqual(out(), [], 'nothing is final yet')
    input.pipeInput('a', 'x', 14) // stream time 14 < 10 + 5
    input.pipeInput('a', 'x', 8) // out of order, within grace: still counted
    assert.deepEqual(out(), [])
    input.pipeInput('c', 'x', 15) // stream time 15 = end + grace: [0,10) closes
    assert.deepEqual(out(), [['a', 0, 10, 3, 8], ['b', 0, 10, 1, 9]])
    input.pipeInput('a', 'x', 7) // late: dropped by the aggregation, nothing emitted
    input.pipeInput('c', 'x', 24)
    assert.deepEqual(out(), [])
    input.pipeInput('c', 'x', 25) // [10,20) closes
    assert.deepEqual(out(), [['a', 10, 20, 2, 14], ['c', 10, 20, 1, 15]])
    assert.equal(driver.droppedRecords, 1)
  })
})

test('untilWindowCloses on session windows waits for gap + grace after the session end', () => {
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: str })
    .groupByKey()
    .windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 2))
    .count()
    .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
    .toStream()
    .to('out', { value: num })
  withDriver(b.build(), {}, (driver) => {
    const input = driver.createInputTopic('in', str, str)
    const out = () => readWindowed(driver, 'out', WindowedSerdes.sessionWindowed(str), num)
    input.pipeInput('a', 'x', 0)
    input.pipeInput('a', 'x', 4) // merges: [0,0] is replaced by [0,4]; its tombstone is never emitted
    input.pipeInput('b', 'x', 10)
    assert.deepEqual(out(), [])
    input.pipeInput('b', 'x', 11) // stream time 11 = 4 + 5 + 2
    assert.deepEqual(out(), [['a', 0, 4, 2, 4]])
  })
})

test('untilTimeLimit: each key\'s latest update, the limit after it was first buffered; tombstones kept', () => {
  const b = new StreamsBuilder()
  b.table('in', { key: str, value: num, storeName: 'source' })
    .suppress(Suppressed.untilTimeLimit(10, BufferConfig.unbounded()))
    .toStream()
    .to('out', { key: str, value: num })
  withDriver(b.build(), {}, (driver) => {
    const input = driver.createInputTopic('in', str, num)
    const out = () => driver.createOutputTopic('out', str, num).readRecordsToList().map((r) => [r.key, r.value, r.timestamp])
    input.pipeInput('a', 1, 0)
    input.pipeInput('a', 2, 5)
    input.pipeInput('b', 1, 6)
    assert.deepEqual(out(), [])
    input.pipeInput('a', 3, 10) // a was first buffered at 0: due at 10, with its latest value
    assert.deepEqual(out(), [['a', 3, 10]])
    input.pipeInput('b', null as unknown as number, 16) // b due at 16: its latest update, a delete
    assert.deepEqual(out(), [['b', null, 16]])
  })
})

test('untilTimeLimit with maxRecords: emits early when full; shutDownWhenFull fails the record instead', () => {
  const topology = (config: BufferConfig) => {
    const b = new StreamsBuilder()
    b.table('in', { key: str, value: num }).suppress(Suppressed.untilTimeLimit(1000, config).withName('limit')).toStream().to('out', { key: str, value: num })
    return b.build()
  }
  withDriver(topology(BufferConfig.maxRecords(2)), {}, (driver) => {
    const input = driver.createInputTopic('in', str, num)
    input.pipeInput('a', 1, 0)
    input.pipeInput('b', 1, 1)
    input.pipeInput('b', 2, 2)
    assert.equal(driver.createOutputTopic('out', str, num).isEmpty(), true)
    input.pipeInput('c', 1, 3) // three keys: the oldest leaves early
    assert.deepEqual(driver.createOutputTopic('out', str, num).readKeyValuesToList(), [{ key: 'a', value: 1 }])
    assert.ok(driver.getAllStateStores().has('limit-store'), 'a named suppression names its buffer <name>-store')
  })
  withDriver(topology(BufferConfig.maxRecords(1).shutDownWhenFull()), {}, (driver) => {
    const input = driver.createInputTopic('in', str, num)
    input.pipeInput('a', 1, 0)
    assert.throws(() => input.pipeInput('b', 1, 1), /limit buffer exceeded its max capacity. Currently \[2\/1\] records/)
  })
})

test('untilWindowCloses with idleCloseMs: the last windows close after quiet wall-clock time; later records for them are dropped', () => {
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: str })
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
    .count()
    .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded(), { idleCloseMs: 5_000 }))
    .toStream()
    .to('out', { value: num })
  const logger = capturingLogger()
  withDriver(b.build(), { logger, initialWallClockTimeMs: 1_000_000 }, (driver) => {
    const input = driver.createInputTopic('in', str, str)
    const out = () => readWindowed(driver, 'out', windowedKey, num)
    input.pipeInput('a', 'x', 3)
    input.pipeInput('a', 'x', 4)
    driver.advanceWallClockTime(4_999)
    assert.deepEqual(out(), [], 'not quiet long enough')
    driver.advanceWallClockTime(1)
    // 5 s without stream time moving: stream time is taken as 4 + 5000, past [0,10)'s end.
    assert.deepEqual(out(), [['a', 0, 10, 2, 4]])
    input.pipeInput('a', 'x', 5) // its window was already emitted: dropped, counted, logged
    input.pipeInput('a', 'x', 6_012) // beyond the extrapolated stream time (5004): an open window
    driver.advanceWallClockTime(60_000)
    assert.deepEqual(out(), [['a', 6_010, 6_020, 1, 6_012]])
    assert.equal(driver.droppedRecords, 1)
    assert.match(logger.warnings[0]!.message, /already closed by idle close/)
  })
})

test('suppress validations: untilWindowCloses needs a windowed table and a strict buffer', () => {
  const b = new StreamsBuilder()
  const table = b.table('in', { key: str, value: num })
  assert.throws(() => table.suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()) as never), /needs a windowed table/)
  assert.throws(() => Suppressed.untilWindowCloses(BufferConfig.maxRecords(1) as never), /strict buffer config/)
})
