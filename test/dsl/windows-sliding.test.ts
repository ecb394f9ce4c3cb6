import assert from 'node:assert/strict'
import { test } from 'node:test'
import { WindowedSerdes } from '../../src/state/windowed-serdes.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { SlidingWindows } from '../../src/topology/dsl/sliding-windows.ts'
import { capturingLogger, readWindowed, str, withDriver, type WindowedRow } from './windows-helpers.ts'

/** Kafka's MockInitializer.STRING_INIT and MockAggregator.TOSTRING_ADDER. */
const init = (): string => '0'
const adder = (_k: string, v: string, agg: string): string => `${agg}+${v}`

function slidingTopology(windows: SlidingWindows, reduce = false) {
  const b = new StreamsBuilder()
  const grouped = b.stream('in', { key: str, value: str }).groupByKey().windowedBy(windows)
  const table = reduce ? grouped.reduce((a, v) => `${a}+${v}`, { storeName: 'sliding' }) : grouped.aggregate(init, adder, { storeName: 'sliding', value: str })
  table.toStream().to('out', { value: str })
  return b.build()
}

function run(windows: SlidingWindows, input: Array<[string, string, number]>, reduce = false): WindowedRow<string>[] {
  let out: WindowedRow<string>[] = []
  withDriver(slidingTopology(windows, reduce), {}, (driver) => {
    const topic = driver.createInputTopic('in', str, str)
    for (const [k, v, t] of input) topic.pipeInput(k, v, t)
    out = readWindowed(driver, 'out', WindowedSerdes.timeWindowed(str, windows.timeDifferenceMs), str)
  })
  return out
}

/** Kafka's tests keep the last value per window start. */
function lastPerStart(out: WindowedRow<string>[]): Map<number, [string | null, number]> {
  const last = new Map<number, [string | null, number]>()
  for (const [, start, , value, timestamp] of out) last.set(start, [value, timestamp])
  return new Map([...last].sort(([a], [b]) => a - b))
}

const sortByKeyThenStart = (out: WindowedRow<string>[]) =>
  [...out].sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : a[0] < b[0] ? -1 : 1)).map(([k, s, e, v, t]) => `${k}@${s}/${e} ${v} ${t}`)

test('sliding aggregate, small input (Kafka KStreamSlidingWindowAggregateTest.testAggregateSmallInput)', () => {
  const out = run(SlidingWindows.ofTimeDifferenceAndGrace(10, 50), [['A', '1', 10], ['A', '2', 15], ['A', '3', 20], ['A', '4', 22], ['A', '5', 30]])
  assert.deepEqual(lastPerStart(out), new Map([
    [0, ['0+1', 10]], [5, ['0+1+2', 15]], [10, ['0+1+2+3', 20]], [11, ['0+2+3', 20]], [12, ['0+2+3+4', 22]],
    [16, ['0+3+4', 22]], [20, ['0+3+4+5', 30]], [21, ['0+4+5', 30]], [23, ['0+5', 30]],
  ]))
  // Windows are [start, start + timeDifference], both ends inclusive.
  assert.deepEqual(out[0]!.slice(0, 3), ['A', 0, 10])
})

test('sliding reduce, small input (testReduceSmallInput)', () => {
  const out = run(SlidingWindows.ofTimeDifferenceAndGrace(10, 50), [['A', '1', 10], ['A', '2', 14], ['A', '3', 15], ['A', '4', 22], ['A', '5', 26], ['A', '6', 30]], true)
  assert.deepEqual(lastPerStart(out), new Map([
    [0, ['1', 10]], [4, ['1+2', 14]], [5, ['1+2+3', 15]], [11, ['2+3', 15]], [12, ['2+3+4', 22]],
    [15, ['3+4', 22]], [16, ['4+5', 26]], [20, ['4+5+6', 30]], [23, ['5+6', 30]], [27, ['6', 30]],
  ]))
})

test('sliding aggregate, out-of-order input over four keys (testAggregateLargeInput)', () => {
  const input: Array<[string, string, number]> = [
    ['A', '1', 10], ['A', '2', 20], ['A', '3', 22], ['A', '4', 15],
    ['B', '1', 12], ['B', '2', 13], ['B', '3', 18], ['B', '4', 19], ['B', '5', 25], ['B', '6', 14],
    ['C', '1', 11], ['C', '2', 15], ['C', '3', 16], ['C', '4', 21], ['C', '5', 23],
    ['D', '4', 11], ['D', '2', 12], ['D', '3', 29], ['D', '5', 16],
  ]
  assert.deepEqual(sortByKeyThenStart(run(SlidingWindows.ofTimeDifferenceAndGrace(10, 50), input)), [
    'A@0/10 0+1 10', 'A@5/15 0+1+4 15', 'A@10/20 0+1+2 20', 'A@10/20 0+1+2+4 20', 'A@11/21 0+2 20', 'A@11/21 0+2+4 20',
    'A@12/22 0+2+3 22', 'A@12/22 0+2+3+4 22', 'A@16/26 0+2+3 22', 'A@21/31 0+3 22',
    'B@2/12 0+1 12', 'B@3/13 0+1+2 13', 'B@4/14 0+1+2+6 14', 'B@8/18 0+1+2+3 18', 'B@8/18 0+1+2+3+6 18',
    'B@9/19 0+1+2+3+4 19', 'B@9/19 0+1+2+3+4+6 19', 'B@13/23 0+2 13', 'B@13/23 0+2+3 18', 'B@13/23 0+2+3+4 19',
    'B@13/23 0+2+3+4+6 19', 'B@14/24 0+3 18', 'B@14/24 0+3+4 19', 'B@14/24 0+3+4+6 19', 'B@15/25 0+3+4+5 25',
    'B@19/29 0+4 19', 'B@19/29 0+4+5 25', 'B@20/30 0+5 25',
    'C@1/11 0+1 11', 'C@5/15 0+1+2 15', 'C@6/16 0+1+2+3 16', 'C@11/21 0+1+2+3+4 21', 'C@12/22 0+2 15', 'C@12/22 0+2+3 16',
    'C@12/22 0+2+3+4 21', 'C@13/23 0+2+3+4+5 23', 'C@16/26 0+3 16', 'C@16/26 0+3+4 21', 'C@16/26 0+3+4+5 23',
    'C@17/27 0+4 21', 'C@17/27 0+4+5 23', 'C@22/32 0+5 23',
    'D@1/11 0+4 11', 'D@2/12 0+4+2 12', 'D@6/16 0+4+2+5 16', 'D@12/22 0+2 12', 'D@12/22 0+2+5 16', 'D@13/23 0+5 16', 'D@19/29 0+3 29',
  ])
})

test('sliding: records earlier than the time difference share [0, timeDifference] (testEarlyRecordsSmallInput, testEarlyRecordsRepeatedInput)', () => {
  const small = run(SlidingWindows.ofTimeDifferenceAndGrace(50, 200), [['A', '1', 0], ['A', '2', 5], ['A', '3', 6], ['A', '4', 3], ['A', '5', 13], ['A', '6', 10]])
  assert.deepEqual(lastPerStart(small), new Map([
    [0, ['0+1+2+3+4+5+6', 13]], [1, ['0+2+3+4+5+6', 13]], [4, ['0+2+3+5+6', 13]], [6, ['0+3+5+6', 13]], [7, ['0+5+6', 13]], [11, ['0+5', 13]],
  ]))
  const repeated = run(SlidingWindows.ofTimeDifferenceAndGrace(5, 20), [['A', '1', 0], ['A', '2', 2], ['A', '3', 4], ['A', '4', 0], ['A', '5', 2], ['A', '6', 2], ['A', '7', 0]])
  assert.deepEqual(lastPerStart(repeated), new Map([[0, ['0+1+2+3+4+5+6+7', 4]], [1, ['0+2+3+5+6', 4]], [3, ['0+3', 4]]]))
})

test('sliding: a record whose windows have all closed is dropped, counted and logged', () => {
  const logger = capturingLogger()
  withDriver(slidingTopology(SlidingWindows.ofTimeDifferenceWithNoGrace(10)), { logger }, (driver) => {
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('A', '1', 100)
    input.pipeInput('A', '2', 80) // its right window [81, 91] ended before stream time 100
    input.pipeInput('A', '3', 95) // joins [90, 100], which ends at stream time (inclusive ends); its left window [85, 95] has closed
    assert.equal(driver.droppedRecords, 2)
    assert.deepEqual(logger.warnings.map((w) => w.object['window']), ['[70,80]', '[85,95]'])
    assert.deepEqual(driver.getWindowStore<string, string>('sliding').fetch('A', 90), '0+1+3')
  })
})
