import { test } from 'node:test'
import assert from 'node:assert/strict'
import { AppProcess, killAfter } from './apps.ts'
import { emittedCounts, eventually, inputCounts, expectedCounts, keyedRecords, latest, produce, skip, sorted } from './broker.ts'
import { allTasks, balanced, KEYS, PARTITIONS, scenario } from './scenario.ts'

for (const instances of [2, 3]) {
  test(`${instances} instances in separate processes share the partitions of a groupByKey().count(); the counts equal the input's`, { skip, timeout: 120_000 }, async (t) => {
    const { input, output, config } = await scenario(t, `share${instances}`)
    const apps = Array.from({ length: instances }, (_, i) => new AppProcess(`app${i}`, config()))
    killAfter(t, apps)
    await Promise.all(apps.map((a) => a.waitFor((e) => e.type === 'started', 'start')))
    const tasks = await eventually(() => allTasks(apps), (x) => balanced(x, PARTITIONS), 60_000, 'a balanced assignment')
    assert.deepEqual(tasks.map((x) => x.length).sort(), instances === 2 ? [3, 3] : [2, 2, 2])

    const total = 1200
    await produce(keyedRecords(input, total, KEYS), { batch: 200 })
    const expected = sorted(expectedCounts(total, KEYS))
    const counts = await eventually(async () => sorted(latest(await emittedCounts(output, 'read_uncommitted'))), (c) => JSON.stringify(c) === JSON.stringify(expected), 60_000, 'final counts')
    assert.deepEqual(counts, expected)
    await Promise.all(apps.map((a) => a.close()))
    for (const a of apps) assert.ok(a.events.some((e) => e.type === 'closed' && e.ok === true), `${a.name} closed cleanly`)
  })
}

test('scale 1 → 3 → 1 while producing: tasks balanced at each step, nothing lost or counted twice (commits on revocation)', { skip, timeout: 180_000 }, async (t) => {
  // A commit interval longer than the test: only the commits made when partitions are revoked
  // (and at close) save progress, so a missed one would show as a record counted twice.
  const { input, output, config } = await scenario(t, 'scale')
  const first = new AppProcess('first', config({ commitIntervalMs: 600_000 }))
  const apps = [first]
  killAfter(t, apps)
  await first.waitFor((e) => e.type === 'started', 'start')
  await first.waitForState('RUNNING')

  let produced = 0
  let producing = true
  const producer = (async () => {
    while (producing) {
      await produce(keyedRecords(input, 60, KEYS, produced))
      produced += 60
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  })()

  await new Promise((resolve) => setTimeout(resolve, 1000))
  const second = new AppProcess('second', config({ commitIntervalMs: 600_000 }))
  const third = new AppProcess('third', config({ commitIntervalMs: 600_000 }))
  apps.push(second, third)
  const three = await eventually(() => allTasks(apps), (x) => balanced(x, PARTITIONS) && x.every((a) => a.length === 2), 60_000, 'three instances with two tasks each')
  assert.deepEqual(three.map((x) => x.length), [2, 2, 2])

  await new Promise((resolve) => setTimeout(resolve, 1000))
  await Promise.all([second.close(), third.close()])
  const one = await eventually(() => allTasks([first]), (x) => x[0]!.length === PARTITIONS, 60_000, 'one instance with every task')
  assert.deepEqual(one[0], ['0_0', '0_1', '0_2', '0_3', '0_4', '0_5'])

  await new Promise((resolve) => setTimeout(resolve, 1000))
  producing = false
  await producer
  const expected = sorted(await inputCounts(input))
  const counts = await eventually(async () => sorted(latest(await emittedCounts(output, 'read_uncommitted'))), (c) => JSON.stringify(c) === JSON.stringify(expected), 60_000, `counts of ${produced} records`).catch((error: Error) => {
    // What the apps warned about (a failed revocation commit shows here) is the diagnosis.
    throw new Error(`${error.message}\n${apps.map((a) => `--- ${a.name} stderr:\n${a.stderr.slice(-2500)}`).join('\n')}`)
  })
  assert.deepEqual(counts, expected)
  await first.close()
})
