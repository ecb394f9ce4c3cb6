import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Kafka, logLevel } from 'kafkajs'
import { AppProcess, killAfter } from './apps.ts'
import { brokers, emittedCounts, eventually, expectedCounts, keyedRecords, latest, produce, skip, sorted } from './broker.ts'
import { KEYS, PARTITIONS, scenario } from './scenario.ts'

test('a restart with local state present restores only the changelog records written after its checkpoint', { skip, timeout: 120_000 }, async (t) => {
  const { input, output, config } = await scenario(t, 'restart')
  const mine = config().stateDir
  const first = new AppProcess('first', config({ stateDir: mine }))
  killAfter(t, [first])
  await first.waitForState('RUNNING')
  assert.equal(first.restored(), 0)
  await produce(keyedRecords(input, 480, KEYS))
  await eventually(async () => latest(await emittedCounts(output, 'read_uncommitted')), (m) => m.get('key-0') === 20, 30_000, 'first 480 counted')
  await first.close()

  // Another instance (empty state directory) counts 240 more: 240 changelog records after the checkpoint.
  const other = new AppProcess('other', config())
  killAfter(t, [other])
  await other.waitForState('RUNNING')
  assert.equal(other.restored(), 480, 'an empty state directory restores the whole changelog')
  await produce(keyedRecords(input, 240, KEYS, 480))
  await eventually(async () => latest(await emittedCounts(output, 'read_uncommitted')), (m) => m.get('key-0') === 30, 30_000, 'next 240 counted')
  await other.close()

  const again = new AppProcess('again', config({ stateDir: mine }))
  killAfter(t, [again])
  await again.waitForState('RUNNING')
  assert.equal(again.restored(), 240, 'only the tail after the checkpoint is restored')
  const starts = again.events.filter((e) => e.type === 'restore-start')
  assert.equal(starts.length, PARTITIONS)
  await produce(keyedRecords(input, 24, KEYS, 720))
  // Every key, not only key-0: the other partitions' last counts may still be on their way.
  const expected = expectedCounts(744, KEYS)
  const counts = await eventually(async () => latest(await emittedCounts(output, 'read_uncommitted')), (m) => [...expected].every(([k, n]) => (m.get(k) ?? 0) >= n), 30_000, 'counts after the restart')
  assert.deepEqual(sorted(counts), sorted(expected))
  await again.close()
})

test('a restore longer than the session timeout keeps the group membership (the member heartbeats while restoring)', { skip, timeout: 120_000 }, async (t) => {
  const { applicationId, input, output, config } = await scenario(t, 'long-restore', 2)
  const filler = new AppProcess('filler', config())
  killAfter(t, [filler])
  await filler.waitForState('RUNNING')
  // Many small sends make many small changelog batches, so the restore below has many steps.
  await produce(keyedRecords(input, 2000, 2000), { batch: 20, pauseMs: 30 })
  await eventually(async () => (await emittedCounts(output, 'read_uncommitted')).size, (n) => n === 2000, 30_000, '2000 keys counted')
  await filler.close()

  // A fresh instance restores 2000 records in small fetches, each batch blocking the thread for
  // 300 ms: longer in all than the 6 s session timeout.
  const slow = new AppProcess('slow', config({ sessionTimeout: 6000, restoreDelayMs: 300, readerMaxBytes: 2048 }))
  killAfter(t, [slow])
  await slow.waitFor((e) => e.type === 'restore-start', 'restore start')
  const admin = new Kafka({ brokers: [...brokers], logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  t.after(() => admin.disconnect())
  const members = async () => (await admin.describeGroups([applicationId])).groups[0]!.members.map((m) => m.memberId)
  const before = await eventually(members, (m) => m.length === 1, 10_000, 'one member')
  const running = await slow.waitForState('RUNNING', 60_000)
  const first = slow.events.find((e) => e.type === 'restore-start')!
  assert.ok(running.at - first.at > 6000, `restore took ${running.at - first.at} ms, longer than the session timeout`)
  assert.deepEqual(await members(), before, 'same member id: never evicted')
  assert.equal(slow.restored(), 2000, 'restored once, not restarted by a rebalance')
  assert.equal(slow.events.filter((e) => e.type === 'state' && e.state === 'REBALANCING').length, 1)
  await slow.close()
})
