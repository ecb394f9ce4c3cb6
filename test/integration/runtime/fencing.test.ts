import { test } from 'node:test'
import assert from 'node:assert/strict'
import { AppProcess, killAfter } from './apps.ts'
import { emittedCounts, eventually, inputCounts, expectedCounts, keyedRecords, latest, produce, skip } from './broker.ts'
import { allTasks, backgroundProducer, KEYS, oneTo, PARTITIONS, scenario, sleep } from './scenario.ts'

test('an exactly-once instance paused past its session timeout (SIGSTOP, SIGCONT) is fenced: its late writes never reach the committed output', { skip, timeout: 150_000 }, async (t) => {
  const { input, output, config } = await scenario(t, 'zombie')
  const common = { processingGuarantee: 'exactly_once' as const, commitIntervalMs: 300, sessionTimeout: 6000 }
  const keeper = new AppProcess('keeper', config(common))
  const zombie = new AppProcess('zombie', config(common))
  killAfter(t, [keeper, zombie])
  await eventually(() => allTasks([keeper, zombie]), (x) => x[0]!.length === 3 && x[1]!.length === 3, 60_000, 'three tasks each')

  const flow = backgroundProducer(async (first) => {
    await produce(keyedRecords(input, 24, KEYS, first))
    return 24
  }, 50)
  await sleep(1000)
  zombie.kill('SIGSTOP')
  // Past the session timeout, not past the transaction timeout (10 s): the keeper's new
  // producers fence the zombie's, rather than the broker expiring its transactions.
  const stoppedAt = keeper.events.length
  await keeper.waitFor((e) => e.type === 'tasks' && (e.active as string[]).length === PARTITIONS, 'the keeper to take every task', 30_000, stoppedAt)
  zombie.kill('SIGCONT')
  await sleep(3000)
  const total = await flow.stop()

  const expected = await inputCounts(input)
  const reached = (m: Map<string, number>) => [...expected].every(([k, n]) => (m.get(k) ?? 0) >= n)
  await eventually(async () => latest(await emittedCounts(output, 'read_committed')), reached, 60_000, `counts of ${total}`)
  const emitted = await emittedCounts(output, 'read_committed')
  for (const [key, n] of expected) assert.deepEqual(emitted.get(key), oneTo(n), `committed counts of ${key}: each once, in order`)
  // The zombie survived its fencing: it rejoined and runs again.
  const tasks = await eventually(() => allTasks([keeper, zombie]), (x) => x.flat().length === PARTITIONS && x[1]!.length > 0, 60_000, 'the zombie back in the group')
  assert.equal(new Set(tasks.flat()).size, PARTITIONS)
  assert.equal(zombie.alive, true)
  await Promise.all([keeper.close(), zombie.close()])
})
