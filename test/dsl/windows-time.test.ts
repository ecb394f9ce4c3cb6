import assert from 'node:assert/strict'
import { test } from 'node:test'
import { WindowedSerdes } from '../../src/state/windowed-serdes.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { TimeWindows } from '../../src/topology/dsl/time-windows.ts'
import { capturingLogger, num, readWindowed, str, withDriver } from './windows-helpers.ts'

test('tumbling count: out-of-order records within grace update their window; later ones are dropped, counted and logged', () => {
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: str })
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeAndGrace(10, 5))
    .count({ storeName: 'counts' })
    .toStream()
    .to('out', { key: WindowedSerdes.timeWindowed(str, 10), value: num })
  const logger = capturingLogger()
  withDriver(b.build(), { logger }, (driver) => {
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('a', 'x', 0)
    input.pipeInput('a', 'x', 5)
    input.pipeInput('a', 'x', 12) // stream time 12: [0,10) stays open until 10 + 5
    input.pipeInput('a', 'x', 3) // out of order, within grace
    input.pipeInput('b', 'x', 16) // stream time 16 > 15: [0,10) is closed
    input.pipeInput('a', 'x', 4) // late: dropped
    assert.deepEqual(readWindowed(driver, 'out', WindowedSerdes.timeWindowed(str, 10), num), [
      ['a', 0, 10, 1, 0],
      ['a', 0, 10, 2, 5],
      ['a', 10, 20, 1, 12],
      ['a', 0, 10, 3, 5],
      ['b', 10, 20, 1, 16],
    ])
    assert.equal(driver.droppedRecords, 1)
    assert.equal(logger.warnings.length, 1)
    const warning = logger.warnings[0]!
    assert.match(warning.message, /expired window/)
    assert.deepEqual(
      { topic: warning.object['topic'], partition: warning.object['partition'], offset: warning.object['offset'], window: warning.object['window'] },
      { topic: 'in', partition: 0, offset: 5, window: '[0,10)' },
    )
    assert.equal(warning.object['expiration'], 11)
    assert.equal(warning.object['streamTime'], 16)

    const store = driver.getWindowStore<string, number>('counts')
    assert.equal(store.fetch('a', 0), 3)
    assert.deepEqual([...store.fetch('a', 0, 100)].map((e) => [e.key, e.value]), [[0, 3], [10, 1]])
    assert.deepEqual(driver.getTimestampedWindowStore<string, number>('counts').fetch('a', 0), { value: 3, timestamp: 5 })
  })
})

test('hopping windows: each record counts in every window containing it, aligned to the epoch', () => {
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: str })
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeWithNoGrace(10).advanceBy(5))
    .count()
    .toStream()
    .to('out', { value: num })
  withDriver(b.build(), {}, (driver) => {
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('a', 'x', 3)
    input.pipeInput('a', 'x', 7)
    input.pipeInput('a', 'x', 12)
    assert.deepEqual(readWindowed(driver, 'out', WindowedSerdes.timeWindowed(str, 10), num), [
      ['a', 0, 10, 1, 3],
      ['a', 0, 10, 2, 7],
      ['a', 5, 15, 1, 7],
      ['a', 5, 15, 2, 12],
      ['a', 10, 20, 1, 12],
    ])
  })
  assert.deepEqual(TimeWindows.ofSizeWithNoGrace(10).advanceBy(5).windowsFor(12), [{ start: 5, end: 15 }, { start: 10, end: 20 }])
  assert.throws(() => TimeWindows.ofSizeWithNoGrace(10).advanceBy(11), /must not exceed the window size/)
  assert.throws(() => TimeWindows.ofSizeAndGrace(0, 0), /Window size/)
})

test('reduce and aggregate per window; the carried windowed key serde writes Kafka\'s layout (key bytes + 8-byte start)', () => {
  const b = new StreamsBuilder()
  const grouped = b.stream('in', { key: str, value: num }).groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(100))
  grouped.reduce((sum, v) => sum + v).toStream().to('sums')
  grouped.aggregate(() => '', (_k, v, agg) => `${agg}${v}`, { value: str }).toStream().to('joined')
  withDriver(b.build(), {}, (driver) => {
    const input = driver.createInputTopic('in', str, num)
    input.pipeInput('k', 1, 10)
    input.pipeInput('k', 2, 20)
    input.pipeInput('k', 3, 150)
    assert.deepEqual(readWindowed(driver, 'sums', WindowedSerdes.timeWindowed(str, 100), num).map((r) => [r[1], r[3]]), [[0, 1], [0, 3], [100, 3]])
    assert.deepEqual(readWindowed(driver, 'joined', WindowedSerdes.timeWindowed(str, 100), str).map((r) => r[3]), ['1', '12', '3'])
  })
  const bytes = WindowedSerdes.timeWindowed(str, 100).serialize('t', { key: 'k', window: { start: 100, end: 200 } })
  assert.deepEqual(bytes, Buffer.concat([Buffer.from('k'), Buffer.from([0, 0, 0, 0, 0, 0, 0, 100])]))
  assert.deepEqual(WindowedSerdes.sessionWindowed(str).serialize('t', { key: 'k', window: { start: 1, end: 2 } }), Buffer.from([0x6b, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1]))
})

test('windowed results can be mapped to plain records for users', () => {
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: str })
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeWithNoGrace(60_000))
    .count()
    .toStream()
    .map((windowed, count) => [`${windowed.key}@${windowed.window.start}`, `${count}`])
    .to('out', { key: str, value: str })
  withDriver(b.build(), {}, (driver) => {
    driver.createInputTopic('in', str, str).pipeInput('page', 'view', 61_000)
    assert.deepEqual(driver.createOutputTopic('out', str, str).readKeyValuesToList(), [{ key: 'page@60000', value: '1' }])
  })
})

test('groupBy then windowedBy repartitions first; the store retention defaults to size + grace and can be raised, not lowered', () => {
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: str })
    .groupBy((_k, v) => v, { key: str, value: str })
    .windowedBy(TimeWindows.ofSizeAndGrace(10, 5))
    .count({ storeName: 'by-value', retentionMs: 1000 })
  const topology = b.build()
  assert.deepEqual([...topology.internalTopics.keys()], ['by-value-repartition'])
  withDriver(topology, {}, (driver) => {
    driver.createInputTopic('in', str, str).pipeInput('x', 'v', 1)
    assert.equal(driver.getWindowStore('by-value').fetch('v', 0), 1)
  })
  const bad = new StreamsBuilder()
  const windowed = bad.stream('in', { key: str, value: str }).groupByKey().windowedBy(TimeWindows.ofSizeAndGrace(10, 5))
  assert.throws(() => windowed.count({ storeName: 's', retentionMs: 14 }), /must be no smaller than its window size plus the grace period/)
  assert.throws(() => windowed.count({ caching: true }), /no record cache/)
})
