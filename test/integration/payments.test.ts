// The payments app on a real broker: two processes share the work under exactly-once, one is
// killed with SIGKILL while payments flow, and the committed output and the survivor's restored
// stores must still account for every request exactly once and for every cent.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKafkaJsClient } from 'kstreams'
import { brokerProblem, HOW_TO_START, KAFKA_BROKERS } from '../helpers/services.ts'
import { AppInstance, eventually, sleep } from '../../chaos/instance.ts'

const isCI = process.env.CI === 'true' || process.env.CI === '1'
const problem = process.env.KSTREAMS_INTEGRATION === '1' ? undefined : await brokerProblem()
const skip = problem !== undefined && !isCI ? `integration: ${problem}; ${HOW_TO_START}` : false

// The app's modules read the topic prefix when first loaded: set it, then load them.
const runTag = `pay-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`
process.env.PAYMENTS_TOPIC_PREFIX = `${runTag}-`
const { createPaymentTopics } = await import('../../examples/payments/app.ts')
const { openAccounts, sendLoad } = await import('../../examples/payments/load.ts')
const { TOPICS } = await import('../../examples/payments/model.ts')
const { outcomeChecks, OutcomeTracker } = await import('../../examples/payments/verify.ts')

const instance = (args: string[]) => new AppInstance({ app: 'payments', brokers: KAFKA_BROKERS, prefix: `${runTag}-`, args })

test('two instances on Kafka under exactly-once, one killed with SIGKILL mid-load: every request has one committed outcome, and money is conserved', { skip, timeout: 300_000 }, async (t) => {
  if (problem !== undefined) throw new Error(`CI=true requires a Kafka broker: ${problem}`)
  const partitions = 4
  const tasks = 5 * partitions
  const accounts = 30
  const client = createKafkaJsClient({ brokers: [...KAFKA_BROKERS], clientId: 'payments-it' })
  const stateDirs = mkdtempSync(join(tmpdir(), 'kstreams-payments-it-'))
  const instances: AppInstance[] = []
  t.after(async () => {
    await Promise.all(instances.map((i) => i.kill()))
    rmSync(stateDirs, { recursive: true, force: true })
    const admin = client.admin()
    const internal = ['payment-ledger-changelog', 'balance-inflight-changelog', 'balance-confirmed-changelog', 'balance-inflight-repartition', 'balance-confirmed-repartition']
    await admin.deleteTopics([...Object.values(TOPICS), ...internal.map((n) => `${runTag}-${n}`)]).catch(() => {})
    await admin.close()
  })

  await createPaymentTopics(client, partitions)
  const openingTotal = await openAccounts(client, accounts)
  const args = (name: string) => [
    '--app-id', runTag, '--partitions', String(partitions),
    '--guarantee', 'exactly_once', '--session-timeout', '6000', '--state-dir', join(stateDirs, name),
  ]
  const [survivor, victim] = [instance(args('survivor')), instance(args('victim'))]
  instances.push(survivor, victim)
  await eventually('both instances to share the tasks', () => Promise.all([survivor.health(), victim.health()]),
    ([a, b]) => a.state === 'RUNNING' && b.state === 'RUNNING' && a.activeTasks.length > 0 && b.activeTasks.length > 0 &&
      a.activeTasks.length + b.activeTasks.length === tasks, 90_000)

  const load = { seed: 5, count: 3000, accounts, badRatio: 0.05, runId: runTag }
  const tracker = new OutcomeTracker(client, load.runId)
  await tracker.start()
  try {
    await sendLoad(client, load, () => {}, 200)
    await eventually('payments to flow', () => tracker.resolved, (n) => n >= load.count * 0.15, 120_000)
    assert.ok(tracker.resolved < load.count, 'the kill happens while payments are still being processed')
    await victim.kill()

    await eventually('the survivor to run every task', () => survivor.health(), (h) => h.state === 'RUNNING' && h.activeTasks.length === tasks, 120_000)
    await eventually('every outcome', () => tracker.resolved, (n) => n >= load.count, 150_000)
    // A quiet moment: the survivor handled nothing for two seconds.
    let last = -1
    await eventually('a quiet moment', async () => {
      const now = (await survivor.health()).processed
      const same = now === last
      last = now
      await sleep(1750)
      return same
    }, (same) => same, 60_000)
    await sleep(1000)
  } finally {
    await tracker.close()
  }

  for (const check of outcomeChecks(tracker, load)) assert.ok(check.ok, `${check.name}: ${check.detail}`)
  assert.ok(tracker.count('COMPLETE') > 0, 'payments completed')

  // Every account's balances must come to what the committed output says: opening balance plus
  // the completed payments, in the confirmed view and (nothing being in flight) the in-flight one.
  // The stores may lag the output a little, so this is awaited; balances that never get there fail.
  type Balance = { readonly account: string; readonly openingBalance: number; readonly inflight: number; readonly confirmed: number }
  const wrong = async (): Promise<string[]> => {
    const out: string[] = []
    for (let i = 0; i < accounts; i++) {
      const b = await survivor.get<Balance>(`/accounts/acct-${String(i).padStart(4, '0')}`)
      const expected = b.openingBalance + (tracker.settled.get(b.account) ?? 0)
      if (b.confirmed !== expected || b.inflight !== expected) out.push(`${b.account}: confirmed ${b.confirmed}, in-flight ${b.inflight}, committed output says ${expected}`)
    }
    return out
  }
  const started = Date.now()
  const left = await eventually('the balances to match the committed output', wrong, (w) => w.length === 0, 30_000).catch(async () => wrong())
  assert.deepEqual(left, [], 'balances that never matched the committed output')
  if (Date.now() - started > 1000) t.diagnostic(`balances matched the committed output ${Date.now() - started} ms after the quiet moment`)
  const totals = await survivor.get<{ openingTotal: number; confirmedTotal: number; inflightTotal: number; conserved: boolean; checks: Array<{ name: string; ok: boolean; detail: string }> }>('/balances')
  assert.deepEqual([totals.openingTotal, totals.confirmedTotal, totals.inflightTotal, totals.conserved], [openingTotal, openingTotal, openingTotal, true])
  for (const check of totals.checks) assert.ok(check.ok, `${check.name}: ${check.detail}`)

  assert.equal(await survivor.stop(), 143, survivor.output)
})
