// An at-least-once groupByKey().count() app (its own process) on a broker of the test's own,
// killed with kill -9 and relaunched while load flows: the instance never dies, is RUNNING again,
// and nothing is lost — every input counted at least once. Duplicates are allowed (at-least-once)
// and reported.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { integrationServices } from '../helpers/services.ts'
import { AppProcess, killAfter, stateDirs } from '../integration/runtime/apps.ts'
import { FlowingLoad, ownBrokerForFile, until } from './own-broker.ts'

const services = await integrationServices()
const INPUT = 'alos-input'
const OUTPUT = 'alos-counts'
const KEYS = 8

const fixture = ownBrokerForFile(() => services.ready())

test('at-least-once through a broker kill -9: the instance survives, RUNNING again, every input counted at least once', { skip: services.skip, timeout: 240_000 }, async (t) => {
  const { broker, client, createTopics, readAll } = fixture()
  const dirs = stateDirs()
  t.after(() => dirs.dispose())
  await createTopics([{ name: INPUT, partitions: 4 }, { name: OUTPUT, partitions: 4 }])
  const app = new AppProcess('alos', {
    applicationId: 'alos-kill',
    brokers: broker.brokers,
    input: INPUT,
    output: OUTPUT,
    stateDir: dirs.make(),
    processingGuarantee: 'at_least_once',
    commitIntervalMs: 1000,
  })
  killAfter(t, [app])
  await app.waitForState('RUNNING', 60_000)

  const load = new FlowingLoad(client, (n) =>
    Array.from({ length: 10 }, (_, i) => ({ topic: INPUT, key: Buffer.from(`key-${(n * 10 + i) % KEYS}`), value: Buffer.from(`v${n * 10 + i}`), timestamp: Date.now() })),
  )
  t.after(() => load.stop())
  await until(() => load.sent >= 200, 60_000, 'load flowing')

  // Down 5 s plus the relaunch (~10-15 s: log recovery after a kill -9), longer than kafkajs's own
  // retries (~10 s): sends, commits and fetches fail for good.
  const since = app.events.length
  const killedAt = Date.now()
  await broker.kill()
  await sleep(5000)
  await broker.restart()
  const restartedAt = Date.now()
  // The outage takes the instance out of RUNNING (its tasks closed dirty, a rejoin); then back.
  const rebalancing = await app.waitFor((e) => e.type === 'state' && e.state === 'REBALANCING', 'REBALANCING after the kill', 120_000, since)
  await app.waitForState('RUNNING', 120_000, app.events.indexOf(rebalancing) + 1)
  t.diagnostic(`broker down ${Math.round((restartedAt - killedAt) / 1000)} s; RUNNING again ${Math.round((Date.now() - restartedAt) / 1000)} s after the relaunch`)
  const sentAtRestart = load.sent
  await until(() => load.sent >= sentAtRestart + 200, 60_000, 'load flowing again')
  await load.stop()

  // The truth is the input topic (a send that failed during the outage may have landed).
  const inputs = new Map<string, number>()
  for (const r of await readAll(INPUT)) inputs.set(r.key!.toString(), (inputs.get(r.key!.toString()) ?? 0) + 1)
  const latest = async (): Promise<Map<string, number>> =>
    new Map((await readAll(OUTPUT)).map((r) => [r.key!.toString(), Number(r.value!.readBigInt64BE())]))
  await until(async () => {
    const counts = await latest()
    return [...inputs].every(([key, n]) => (counts.get(key) ?? 0) >= n)
  }, 60_000, 'every input counted').catch(async (error: Error) => {
    const counts = await latest().catch(() => new Map<string, number>())
    const short = [...inputs].filter(([key, n]) => (counts.get(key) ?? 0) < n).map(([key, n]) => `${key} ${counts.get(key) ?? 0}/${n}`)
    throw new Error(`${error.message}: short ${short.join(', ')}; app ${app.alive ? 'alive' : 'dead'}, last events ${JSON.stringify(app.events.slice(-3))}`)
  })

  const counts = await latest()
  const total = [...inputs.values()].reduce((a, b) => a + b, 0)
  const duplicates = [...inputs].reduce((sum, [key, n]) => sum + (counts.get(key)! - n), 0)
  t.diagnostic(`inputs ${total} over ${inputs.size} keys (${load.failed} sends failed during the outage); counted ${total + duplicates}: ${duplicates} duplicates (at-least-once reprocessing)`)
  const states = app.events.filter((e) => e.type === 'state').map((e) => e.state as string)
  t.diagnostic(`states: ${states.join(' → ')}`)
  assert.equal(app.alive, true, 'the instance never died')
  assert.deepEqual(app.events.filter((e) => e.type === 'error'), [], 'no error emitted')
  assert.ok(!states.includes('ERROR') && !states.includes('PENDING_ERROR'), 'never in ERROR')
  assert.equal(inputs.size, KEYS)
  for (const [key, n] of inputs) assert.ok(counts.get(key)! >= n, `${key}: counted ${counts.get(key)}, ${n} inputs`)
  await app.close()
})
