/**
 * `npm run payments`: runs the payments app, sends it a load, follows its progress, then checks
 * what became of every request and that money was conserved. Exit code 1 when a check fails.
 *
 * On the embedded broker by default (no Kafka needed); on a Kafka cluster when KAFKA_BROKERS is
 * set, where several processes with the same application id share the work. Flags:
 *   --count N       requests to send (default 20000)       --accounts N   accounts (default 200)
 *   --bad R         share of bad requests (default 0.05)    --seed N       load seed (default 42)
 *   --partitions N  partitions of the app's topics (4)       --guarantee    exactly_once | at_least_once
 *   --store         rocksdb | memory                          --timeout S    longest wait for outcomes (120)
 *   --serve         keep running with the HTTP endpoints     --port N       their port (8080; 0 = any free)
 *   --no-load       only run (and serve): another process sends the load
 *   --app-id        application id (payments)                 --session-timeout MS  Kafka's, default 45000
 *   --state-dir     where the stores live (default: a temporary directory, removed at exit)
 *   --commit-interval MS  how often to commit (default: the runtime's, 100 under exactly-once)
 * PAYMENTS_TOPIC_PREFIX prefixes the topic names, so that several copies can share a cluster.
 */
import { parseArgs } from 'node:util'
import { createEmbeddedKafka } from 'kstreams'
import { cli, kafkaBrokers, num, runnerOptions, runnerSettings } from '../shared/cli.ts'
import { sleep, startProgress } from '../shared/progress.ts'
import { ownsAllTasks } from '../shared/run-app.ts'
import { forever, onShutdown } from '../shared/shutdown.ts'
import { printChecks, printDone } from '../shared/summary.ts'
import { clusterClient, createPaymentTopics, startPaymentsApp } from './app.ts'
import type { Cluster, PaymentsApp } from './app.ts'
import { BalanceServer, gatherBalances, streamsRouting } from './http.ts'
import type { BalanceServerOptions } from './http.ts'
import { openAccounts, sendLoad } from './load.ts'
import type { LoadOptions } from './load.ts'
import { balanceChecks, localBalances, outcomeChecks, OutcomeTracker } from './verify.ts'
import type { Check, Outcome } from './verify.ts'

const { values: flags } = parseArgs({
  options: {
    ...runnerOptions('payments'),
    'count': { type: 'string', default: '20000' },
    'accounts': { type: 'string', default: '200' },
    'session-timeout': { type: 'string', default: '45000' },
  },
})
const args = cli('examples/payments/main.ts')
const { int } = args
const { badRatio, guarantee, storeType, partitions, loading, commitIntervalMs } = runnerSettings(flags, args)
const { brokers, onKafka, where } = kafkaBrokers()
const cluster: Cluster = onKafka
  ? { kafka: { brokers, clientId: `payments-${process.pid}`, consumer: { sessionTimeout: int('session-timeout', flags['session-timeout'], 1000) } } }
  : { client: createEmbeddedKafka() }
// Payment ids only need to be unique among the runs that share a cluster.
const load: LoadOptions = {
  seed: int('seed', flags.seed, 0),
  count: int('count', flags.count, 0),
  accounts: int('accounts', flags.accounts, 2),
  badRatio,
  runId: onKafka ? `p${Date.now().toString(36)}` : 'p',
}

const tools = clusterClient(cluster)
await createPaymentTopics(tools, partitions)
if (loading) await openAccounts(tools, load.accounts)

const server = flags.serve ? new BalanceServer() : undefined
const self = await server?.listen(int('port', flags.port, 0))
const app = await startPaymentsApp({
  cluster,
  applicationId: flags['app-id'],
  ...(flags['state-dir'] ? { stateDir: flags['state-dir'] } : {}),
  processingGuarantee: guarantee,
  storeType,
  ...(commitIntervalMs !== undefined ? { commitIntervalMs } : {}),
  ...(self ? { applicationServer: self } : {}),
})
const routing = streamsRouting(app.streams, self ?? 'localhost:0')
const serving: BalanceServerOptions = { streams: app.streams, routing, self: self ?? 'localhost:0', processed: app.processed }
server?.attach(serving)

const shutdown = onShutdown(async () => {
  await app.close()
  await server?.close()
})

console.log(loading
  ? `payments: ${num(load.count)} requests (${badRatio * 100}% bad) over ${num(load.accounts)} accounts, seed ${load.seed} — ${where}, ${partitions} partitions, ${guarantee}`
  : `payments: running on ${where} (${guarantee}), sending no load`)
if (self) printEndpoints()

const tracker = loading ? new OutcomeTracker(tools, load.runId) : undefined
await tracker?.start()
const started = performance.now()
let sent = 0
const stopProgress = startProgress(started, () => app.processed(), (processed, rate) => {
  const loadPart = tracker ? `   sent ${num(sent)}/${num(load.count)}   resolved ${num(tracker.resolved)}/${num(load.count)}` : ''
  return `processed ${num(processed).padStart(9)} records  ${num(Math.round(rate)).padStart(7)}/s${loadPart}`
})

if (!tracker) {
  // Only a worker: run (and serve) until stopped.
  await forever()
} else {
  if (onKafka) await sleep(2000) // let the other instances' account tables see the accounts just opened
  await sendLoad(tools, load, (n) => {
    sent = n
  })
  const deadline = Date.now() + int('timeout', flags.timeout, 1) * 1000
  while (tracker.resolved < load.count && Date.now() < deadline && !shutdown.stopping) await sleep(20)
  const finished = await quiet(app)
  stopProgress()
  const elapsed = (finished - started) / 1000
  const processed = app.processed()
  await tracker.close()

  const checks: Check[] = [...outcomeChecks(tracker, load)]
  const owned = ownsAllTasks(app.streams)
  let unreachable = owned || self !== undefined ? undefined : 'other instances hold some of them; reaching them needs --serve on every instance'
  if (unreachable === undefined) {
    try {
      checks.push(...balanceChecks(owned ? localBalances(app.streams) : await gatherBalances(serving)))
    } catch (error) {
      unreachable = (error as Error).message
    }
  }
  const c = (o: Outcome) => num(tracker.count(o))
  const rejected = (['INSUFFICIENT_FUNDS', 'UNKNOWN_ACCOUNT', 'INVALID_AMOUNT', 'SELF_PAYMENT'] as const).reduce((n, o) => n + tracker.count(o), 0)
  printDone(elapsed, processed, owned)
  console.log(`  completed      ${c('COMPLETE').padStart(8)}`)
  console.log(`  rejected       ${num(rejected).padStart(8)}  (insufficient funds ${c('INSUFFICIENT_FUNDS')} · unknown account ${c('UNKNOWN_ACCOUNT')} · invalid amount ${c('INVALID_AMOUNT')} · to itself ${c('SELF_PAYMENT')})`)
  console.log(`  dead-lettered  ${c('DEAD_LETTER').padStart(8)}`)
  const ok = printChecks(checks)
  if (!ok) console.log('FAILED: see the checks marked ✘')
  else if (unreachable === undefined) console.log('invariant holds: money is conserved')
  else console.log(`balances not checked: ${unreachable}`)
  if (self) {
    printEndpoints()
    console.log('serving until Ctrl-C')
    await forever()
  }
  await shutdown.stop(ok ? 0 : 1)
}

function printEndpoints(): void {
  const base = `http://${self}`
  console.log(`HTTP: ${base}/accounts/acct-0001   ${base}/balances   ${base}/health`)
}

/**
 * Waits for a quiet moment — no instance (this one, and the others it can reach over HTTP)
 * handled a record for a second, so the balances caught up with the outcomes — and returns when
 * the last record was handled here.
 */
async function quiet(app: PaymentsApp): Promise<number> {
  const processedEverywhere = async (): Promise<number> => {
    const others = self ? routing.instances().filter((host) => host !== self) : []
    const remote = await Promise.all(others.map(async (host) => {
      const health = await fetch(`http://${host}/health`, { signal: AbortSignal.timeout(2000) }).then((r) => r.json(), () => undefined)
      return (health as { processed?: number } | undefined)?.processed ?? -1
    }))
    return remote.reduce((a, b) => a + b, app.processed())
  }
  let seen = await processedEverywhere()
  let localChangedAt = performance.now()
  let changedAt = localChangedAt
  let local = app.processed()
  while (!shutdown.stopping && performance.now() - changedAt < 1000) {
    await sleep(100)
    const now = await processedEverywhere()
    if (now !== seen) {
      seen = now
      changedAt = performance.now()
    }
    if (app.processed() !== local) {
      local = app.processed()
      localChangedAt = performance.now()
    }
  }
  return localChangedAt
}
