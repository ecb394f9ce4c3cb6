import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { InMemoryTimeOrderedKeyValueBuffer } from '../../src/state/in-memory-time-ordered-buffer.ts'
import { SessionWindows } from '../../src/topology/dsl/session-windows.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { BufferConfig, Suppressed } from '../../src/topology/dsl/suppressed.ts'
import { TimeWindows } from '../../src/topology/dsl/time-windows.ts'
import { capturingLogger, num, str, withDriver } from './windows-helpers.ts'

const failOn = (key: string) => (k: { key: string }) => {
  if (k.key === key) throw new Error(`failing on ${key}`)
}

test('a record that fails after a windowed aggregation and a suppression leaves neither its window nor its buffered update behind', () => {
  const b = new StreamsBuilder()
  const counts = b.stream('in', { key: str, value: str }).groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(10)).count({ storeName: 'counts' })
  counts.suppress(Suppressed.untilTimeLimit(5, BufferConfig.unbounded()).withName('limit')).toStream().to('limited', { value: num })
  counts.toStream().peek((k) => failOn('boom')(k))
  const logger = capturingLogger()
  withDriver(b.build(), { processingExceptionHandler: 'continue', logger }, (driver) => {
    const input = driver.createInputTopic('in', str, str)
    const buffer = driver.getStateStore<InMemoryTimeOrderedKeyValueBuffer<unknown, number>>('limit-store')
    input.pipeInput('a', 'x', 1)
    input.pipeInput('boom', 'x', 2)
    assert.equal(logger.warnings.length, 1, 'the failure is logged and the record skipped')
    assert.equal(driver.getWindowStore('counts').fetch('boom', 0), undefined, 'the window write was taken back')
    assert.equal(buffer.numRecords, 1, 'the buffered update was taken back')
    input.pipeInput('a', 'x', 3)
    assert.equal(driver.getWindowStore('counts').fetch('a', 0), 2)
    // Stream time 7 evicts a's update (buffered at 1); then the record fails: the eviction is undone too.
    input.pipeInput('boom', 'x', 7)
    assert.equal(buffer.numRecords, 1)
    assert.equal(buffer.minTimestamp, 1)
  })
})

test('a failing record that merged sessions leaves the merged-away sessions in place', () => {
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: str })
    .groupByKey()
    .windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 100))
    .count({ storeName: 'sessions' })
    .toStream()
    .peek((k, v) => {
      if (v === 3) failOn(k.key)(k)
    })
  withDriver(b.build(), { processingExceptionHandler: 'continue', logger: capturingLogger() }, (driver) => {
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('k', 'x', 0)
    input.pipeInput('k', 'x', 8)
    input.pipeInput('k', 'x', 4) // would merge [0,0] and [8,8] into [0,8] with count 3: fails
    const sessions = [...driver.getSessionStore<string, number>('sessions').fetch('k')].map(({ key, value }) => [key.window.start, key.window.end, value])
    assert.deepEqual(sessions, [[0, 0, 1], [8, 8, 1]])
  })
})
