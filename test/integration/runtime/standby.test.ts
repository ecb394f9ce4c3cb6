import { test } from 'node:test'
import assert from 'node:assert/strict'
import { AppProcess, killAfter } from './apps.ts'
import { client, emittedCounts, eventually, inputCounts, keyedRecords, latest, produce, skip, sorted } from './broker.ts'
import { KEYS, PARTITIONS, scenario, sleep } from './scenario.ts'

test('standby replicas: each task has a warm copy on the other instance; when the active owner dies the standby is promoted without a restore; metadata names both hosts', { skip, timeout: 120_000 }, async (t) => {
  const { input, output, changelog, config } = await scenario(t, 'standby')
  const common = { numStandbyReplicas: 1, commitIntervalMs: 200 }
  const survivor = new AppProcess('survivor', config({ ...common, applicationServer: 'survivor.local:7001' }))
  const victim = new AppProcess('victim', config({ ...common, applicationServer: 'victim.local:7002' }))
  killAfter(t, [survivor, victim])
  const [s, v] = await eventually(
    () => Promise.all([survivor.tasks(), victim.tasks()]),
    ([a, b]) => a.active.length === 3 && b.active.length === 3 && a.standby.length === 3 && b.standby.length === 3,
    60_000,
    'three active and three standby tasks each',
  )
  assert.deepEqual([...s.standby].sort(), [...v.active].sort(), 'the survivor keeps standbys of the victim\'s tasks')
  assert.deepEqual([...v.standby].sort(), [...s.active].sort())

  // Interactive-query metadata: the key's task is active on one host, standby on the other.
  const since = survivor.events.length
  survivor.send('metadata key-0')
  const meta = await survivor.waitFor((e) => e.type === 'metadata', 'metadata', 10_000, since)
  const task = `0_${meta.partition as number}`
  const owner = s.active.includes(task) ? 'survivor.local' : 'victim.local'
  const other = owner === 'survivor.local' ? 'victim.local' : 'survivor.local'
  assert.equal((meta.active as { host: string }).host, owner)
  assert.deepEqual((meta.standby as Array<{ host: string }>).map((h) => h.host), [other])
  assert.equal((meta.all as unknown[]).length, 2)

  await produce(keyedRecords(input, 600, KEYS), { batch: 100 })
  await eventually(async () => latest(await emittedCounts(output, 'read_uncommitted')), (m) => m.get('key-0') === 25, 30_000, 'the first 600 counted')
  await sleep(1500) // commits, and the standbys catch up and checkpoint

  const admin = client.admin()
  const ends = await admin.endOffsets(v.active.map((id) => ({ topic: changelog, partition: Number(id.split('_')[1]) })))
  await admin.close()
  const victimChangelog = [...ends.values()].reduce((a, b) => a + b, 0)
  assert.ok(victimChangelog > 100, `the victim's tasks wrote ${victimChangelog} changelog records`)

  const killedAt = survivor.events.length
  victim.kill('SIGKILL')
  await victim.exited
  const all = await eventually(() => survivor.tasks(), (x) => x.active.length === PARTITIONS, 60_000, 'the survivor to run every task')
  assert.equal(all.active.length, PARTITIONS)
  assert.equal(survivor.restored(killedAt), 0, `promoted standbys restored nothing (a full restore: ${victimChangelog} records)`)

  await produce(keyedRecords(input, 240, KEYS, 600))
  const expected = await inputCounts(input)
  const counts = await eventually(async () => latest(await emittedCounts(output, 'read_uncommitted')), (m) => JSON.stringify(sorted(m)) === JSON.stringify(sorted(expected)), 30_000, 'exact counts after the promotion')
  assert.deepEqual(sorted(counts), sorted(expected))
  await survivor.close()
})
