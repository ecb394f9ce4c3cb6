import assert from 'node:assert/strict'
import { test } from 'node:test'
import { WindowedSerdes } from '../../src/state/windowed-serdes.ts'
import { SessionWindows } from '../../src/topology/dsl/session-windows.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { capturingLogger, num, readWindowed, str, withDriver } from './windows-helpers.ts'

const sessionKey = WindowedSerdes.sessionWindowed(str)

test('session count: sessions grow, a bridging record merges two (old sessions tombstoned), late records are dropped', () => {
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: str })
    .groupByKey()
    .windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 10))
    .count({ storeName: 'sessions' })
    .toStream()
    .to('out', { value: num })
  const logger = capturingLogger()
  withDriver(b.build(), { logger }, (driver) => {
    const input = driver.createInputTopic('in', str, str)
    const out = () => readWindowed(driver, 'out', sessionKey, num)
    input.pipeInput('A', 'x', 0)
    assert.deepEqual(out(), [['A', 0, 0, 1, 0]])
    input.pipeInput('A', 'x', 3)
    assert.deepEqual(out(), [['A', 0, 0, null, 0], ['A', 0, 3, 2, 3]])
    input.pipeInput('A', 'x', 10)
    assert.deepEqual(out(), [['A', 10, 10, 1, 10]], 'more than the gap after [0,3]: a new session')
    input.pipeInput('A', 'x', 7)
    assert.deepEqual(out(), [['A', 0, 3, null, 3], ['A', 10, 10, null, 10], ['A', 0, 10, 4, 10]], 'the record bridges both sessions')
    input.pipeInput('A', 'x', 5)
    assert.deepEqual(out(), [['A', 0, 10, null, 10], ['A', 0, 10, 5, 10]], 'inside a session: Kafka removes and re-puts it')
    const store = driver.getSessionStore<string, number>('sessions')
    assert.deepEqual([...store.fetch('A')].map(({ key, value }) => [key.window.start, key.window.end, value]), [[0, 10, 5]])
    assert.equal(store.fetchSession('A', 0, 10), 5)
    input.pipeInput('B', 'x', 30) // stream time 30: sessions ending before 30 - 5 - 10 = 15 are closed
    input.pipeInput('A', 'x', 12) // would merge into [0,10], which has closed: [0,12] ends before 15, dropped
    input.pipeInput('A', 'x', 16) // a new session, ending after 15
    assert.deepEqual(out(), [['B', 30, 30, 1, 30], ['A', 16, 16, 1, 16]])
    assert.equal(driver.droppedRecords, 1)
    assert.equal(logger.warnings[0]!.object['window'], '[0,12]')
    assert.equal(logger.warnings[0]!.object['expiration'], 15)
    // Closed sessions stay in the store until their time segment passes the retention.
    assert.deepEqual([...store.fetch('A')].map(({ key, value }) => [key.window.start, key.window.end, value]), [[0, 10, 5], [16, 16, 1]])
  })
})

test('session aggregate with a merger, and reduce', () => {
  const b = new StreamsBuilder()
  const sessions = b.stream('in', { key: str, value: num }).groupByKey().windowedBy(SessionWindows.ofInactivityGapAndGrace(10, 20))
  sessions
    .aggregate(() => [] as number[], (_k, v, list) => [...list, v], (_k, a, c) => [...a, ...c], { storeName: 'lists' })
    .toStream()
    .mapValues((list) => (list === null ? 'deleted' : list.join(',')))
    .to('lists-out', { value: str })
  sessions.reduce((a, v) => a + v, { storeName: 'sums' }).toStream().to('sums-out')
  withDriver(b.build(), {}, (driver) => {
    const input = driver.createInputTopic('in', str, num)
    input.pipeInput('k', 1, 100)
    input.pipeInput('k', 2, 120)
    input.pipeInput('k', 3, 110) // bridges [100,100] and [120,120]
    assert.deepEqual(readWindowed(driver, 'lists-out', sessionKey, str).map((r) => `${r[1]}/${r[2]} ${r[3]}`), [
      '100/100 1',
      '120/120 2',
      '100/100 deleted',
      '120/120 deleted',
      '100/120 1,2,3',
    ])
    assert.deepEqual(readWindowed(driver, 'sums-out', sessionKey, num).at(-1), ['k', 100, 120, 6, 120])
  })
})

test('session windows validate their gap; retention defaults to gap + grace', () => {
  assert.throws(() => SessionWindows.ofInactivityGapWithNoGrace(0), /Inactivity gap/)
  const b = new StreamsBuilder()
  const windowed = b.stream('in', { key: str, value: str }).groupByKey().windowedBy(SessionWindows.ofInactivityGapAndGrace(10, 5))
  assert.throws(() => windowed.count({ retentionMs: 14 }), /inactivity gap plus the grace period/)
})
