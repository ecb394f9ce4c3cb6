// The payments app on the embedded broker: end to end with its invariants, two instances sharing
// the work behind the HTTP endpoints, the load generator, and `npm run payments` itself.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createEmbeddedKafka } from 'kstreams'
import type { EmbeddedKafka } from 'kstreams'
import { createPaymentTopics, startPaymentsApp } from '../../examples/payments/app.ts'
import type { PaymentsApp } from '../../examples/payments/app.ts'
import { BalanceServer, gatherBalances, streamsRouting } from '../../examples/payments/http.ts'
import type { BalanceServerOptions, Routing } from '../../examples/payments/http.ts'
import { openAccounts, paymentRequests, sendLoad } from '../../examples/payments/load.ts'
import type { LoadOptions } from '../../examples/payments/load.ts'
import { STORES } from '../../examples/payments/model.ts'
import { buildPaymentsTopology } from '../../examples/payments/topology.ts'
import { balanceChecks, localBalances, outcomeChecks, OutcomeTracker } from '../../examples/payments/verify.ts'
import { npmRun, quietLogger, sleep, until } from './example-runner.ts'

const npm = (args: string[]) => npmRun('payments', args)

/** Until no instance handled a record for `ms` (the balances caught up with the outcomes). */
async function quiet(apps: PaymentsApp[], ms = 500): Promise<void> {
  const total = () => apps.reduce((n, a) => n + a.processed(), 0)
  let seen = -1
  while (total() !== seen) {
    seen = total()
    await sleep(ms)
  }
}

async function runLoad(kafka: EmbeddedKafka, load: LoadOptions, apps: PaymentsApp[]): Promise<OutcomeTracker> {
  const tracker = new OutcomeTracker(kafka, load.runId)
  await tracker.start()
  await sendLoad(kafka, load, () => {}, 100)
  await until('every outcome', () => tracker.resolved >= load.count)
  await quiet(apps)
  await tracker.close()
  return tracker
}

test('end to end on the embedded broker under exactly-once: every request has its outcome and money is conserved', async () => {
  const kafka = createEmbeddedKafka()
  await createPaymentTopics(kafka, 3)
  const openingTotal = await openAccounts(kafka, 30)
  const app = await startPaymentsApp({ cluster: { client: kafka }, storeType: 'memory', logger: quietLogger })
  try {
    const load: LoadOptions = { seed: 7, count: 1500, accounts: 30, badRatio: 0.1, runId: 'e2e' }
    const tracker = await runLoad(kafka, load, [app])
    for (const check of outcomeChecks(tracker, load)) assert.ok(check.ok, `${check.name}: ${check.detail}`)
    const view = localBalances(app.streams)
    for (const check of balanceChecks(view)) assert.ok(check.ok, `${check.name}: ${check.detail}`)
    assert.equal([...view.confirmed.values()].reduce((a, b) => a + b, 0), openingTotal)
    // The confirmed balances are exactly what the committed payment-complete records say.
    for (const [account, opening] of view.openings) assert.equal(view.confirmed.get(account), opening + (tracker.settled.get(account) ?? 0), account)
    // The load is meant to exercise every path.
    for (const outcome of ['COMPLETE', 'INSUFFICIENT_FUNDS', 'UNKNOWN_ACCOUNT', 'INVALID_AMOUNT', 'SELF_PAYMENT', 'DEAD_LETTER'] as const) {
      assert.ok(tracker.count(outcome) > 0, `no ${outcome} in the load`)
    }
  } finally {
    await app.close()
  }
})

test('the balance checks catch money that appeared, a payment left in flight, and a ledger that disagrees', () => {
  const openings = new Map([['a', 100], ['b', 100]])
  const view = { openings, inflight: new Map([['a', 90], ['b', 110]]), confirmed: new Map([['a', 100], ['b', 101]]), ledger: new Map([['a', 90], ['b', 101]]) }
  assert.deepEqual(balanceChecks(view).map((c) => c.ok), [false, false, false, true])
})

/** Who holds a key, worked out from the tasks each instance runs (a stand-in for `queryMetadataForKey`). */
function taskRouting(kafka: EmbeddedKafka, partitions: number, instances: ReadonlyArray<{ self: string; app: PaymentsApp }>): Routing {
  const subtopologyOf = new Map<string, string>()
  let current = ''
  for (const line of buildPaymentsTopology().describe().split('\n')) {
    current = /Sub-topology: (\d+)$/.exec(line)?.[1] ?? current
    for (const store of [STORES.inflight, STORES.confirmed, STORES.ledger]) if (line.includes(`(stores: [${store}])`)) subtopologyOf.set(store, current)
  }
  return {
    ownerOf: (store, key) => {
      const task = `${subtopologyOf.get(store)}_${kafka.partitionFor(Buffer.from(key), partitions)}`
      return instances.find((i) => i.app.streams.activeTasks().includes(task))?.self
    },
    instances: () => instances.map((i) => i.self),
  }
}

type MakeRouting = (kafka: EmbeddedKafka, partitions: number, instances: ReadonlyArray<{ self: string; app: PaymentsApp }>) => Routing[]

async function twoInstances(makeRouting: MakeRouting): Promise<void> {
  const kafka = createEmbeddedKafka()
  const partitions = 4
  await createPaymentTopics(kafka, partitions)
  const openingTotal = await openAccounts(kafka, 20)
  const servers = [new BalanceServer(), new BalanceServer()]
  const instances: Array<{ self: string; app: PaymentsApp; server: BalanceServer }> = []
  try {
    for (const server of servers) {
      const self = await server.listen(0)
      const app = await startPaymentsApp({ cluster: { client: kafka }, storeType: 'memory', applicationServer: self, logger: quietLogger })
      instances.push({ self, app, server })
    }
    await until('the tasks to be shared', () =>
      instances.every((i) => i.app.streams.state === 'RUNNING' && i.app.streams.activeTasks().length > 0) &&
      instances.reduce((n, i) => n + i.app.streams.activeTasks().length, 0) === 5 * partitions)
    const routings = makeRouting(kafka, partitions, instances)
    const options = instances.map((i, n): BalanceServerOptions => ({ streams: i.app.streams, routing: routings[n]!, self: i.self, processed: i.app.processed }))
    instances.forEach((i, n) => i.server.attach(options[n]!))

    const load: LoadOptions = { seed: 3, count: 600, accounts: 20, badRatio: 0.05, runId: 'two' }
    const tracker = await runLoad(kafka, load, instances.map((i) => i.app))
    for (const check of outcomeChecks(tracker, load)) assert.ok(check.ok, `${check.name}: ${check.detail}`)
    assert.ok(instances.every((i) => i.app.processed() > 0), 'both instances processed records')

    const view = await gatherBalances(options[0]!)
    for (const check of balanceChecks(view)) assert.ok(check.ok, `${check.name}: ${check.detail}`)
    for (const { self } of instances) {
      const totals = await (await fetch(`http://${self}/balances`)).json() as { [k: string]: unknown }
      assert.deepEqual(
        [totals.openingTotal, totals.confirmedTotal, totals.inflightTotal, totals.accountsInFlight, totals.conserved, (totals.instances as string[]).sort()],
        [openingTotal, openingTotal, openingTotal, 0, true, instances.map((i) => i.self).sort()],
      )
    }
    const servedBy = new Set<string>()
    for (const account of view.openings.keys()) {
      const answers = await Promise.all(instances.map(async ({ self }) => (await fetch(`http://${self}/accounts/${account}`)).json()))
      const [first, second] = answers as Array<{ confirmed: number; inflight: number; processing: number; servedBy: { inflight: string; confirmed: string } }>
      assert.deepEqual(first, second, `both instances give the same answer for ${account}`)
      assert.deepEqual([first!.confirmed, first!.inflight, first!.processing], [view.confirmed.get(account), view.confirmed.get(account), 0])
      servedBy.add(first!.servedBy.inflight).add(first!.servedBy.confirmed)
    }
    // So each instance answered some questions with the other's stores.
    assert.equal(servedBy.size, 2, 'the balances are spread over both instances')
    const unknown = await fetch(`http://${instances[0]!.self}/accounts/nobody`)
    assert.equal(unknown.status, 404)
  } finally {
    for (const i of instances) await i.app.close()
    for (const s of servers) await s.close()
  }
}

test('two instances share the work; each answers for every account over HTTP, routing by task ownership', () =>
  twoInstances((kafka, partitions, instances) => instances.map(() => taskRouting(kafka, partitions, instances))))

test('two instances share the work; each answers for every account over HTTP, routing by the streams metadata', () =>
  twoInstances((_kafka, _partitions, instances) => instances.map((i) => streamsRouting(i.app.streams, i.self))))

test('the load is deterministic: the same seed gives the same requests, another seed others', () => {
  const load: LoadOptions = { seed: 11, count: 300, accounts: 10, badRatio: 0.2, runId: 'd' }
  const text = (o: LoadOptions) => [...paymentRequests(o)].map((r) => `${r.kind} ${r.key} ${r.value}`)
  assert.deepEqual(text(load), text(load))
  assert.notDeepEqual(text(load), text({ ...load, seed: 12 }))
  const kinds = new Set([...paymentRequests(load)].map((r) => r.kind))
  assert.deepEqual([...kinds].sort(), ['malformed-json', 'missing-field', 'non-positive', 'payment', 'self-payment', 'unknown-account'])
  assert.equal([...paymentRequests({ ...load, badRatio: 0 })].filter((r) => r.kind !== 'payment').length, 0)
})


test('npm run payments runs a load on the embedded broker and exits 0 with the invariant checked', async () => {
  const run = await npm(['--count', '400', '--accounts', '40', '--partitions', '2'])
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`)
  assert.match(run.stdout, /payments: 400 requests .* the embedded broker, 2 partitions, exactly_once/)
  assert.match(run.stdout, /\d+s +processed +[\d,]+ records +[\d,]+\/s/, 'a progress line')
  assert.match(run.stdout, /done in [\d.]+s: [\d,]+ records processed, [\d,]+ records\/s/)
  assert.match(run.stdout, /✔ money is conserved: Σ confirmed balances = opening total — 120,000\.00 = 120,000\.00 over 40 accounts/)
  assert.doesNotMatch(run.stdout, /✘/)
  assert.match(run.stdout, /invariant holds/)
})

test('npm run payments refuses bad flags with exit code 2', async () => {
  const run = await npm(['--bad', '2'])
  assert.equal(run.code, 2)
  assert.match(run.stderr, /--bad must be between 0 and 1/)
})
