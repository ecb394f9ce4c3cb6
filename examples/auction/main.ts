/**
 * `npm run auction`: runs the auction app, lists items and places bids on them, follows its
 * progress, then checks what became of every item and bid. Exit code 1 when a check fails.
 *
 * On the embedded broker by default (no Kafka needed); on a Kafka cluster when KAFKA_BROKERS is
 * set, where several processes with the same application id share the work. Flags:
 *   --items N       items to list (default 300)             --bids N       bids to place (default 20000)
 *   --bad R         share of bad items and bids (0.05)       --seed N       load seed (default 42)
 *   --partitions N  partitions of the app's topics (4)       --guarantee    exactly_once | at_least_once
 *   --store         rocksdb | memory                          --timeout S    longest wait for outcomes (120)
 *   --serve         keep running with the HTTP endpoints     --port N       their port (8080; 0 = any free)
 *   --no-load       only run (and serve): another process sends the load
 *   --app-id        application id (auction)                  --state-dir    where the stores live (default: a temporary directory)
 *   --session-timeout MS  Kafka's consumer session timeout (default 45000)
 *   --commit-interval MS  how often to commit (default: the runtime's, 100 under exactly-once)
 * AUCTION_TOPIC_PREFIX prefixes the topic names, so that several copies can share a cluster.
 */
import { parseArgs } from 'node:util'
import { createEmbeddedKafka } from 'kstreams'
import { cli, kafkaBrokers, num, runnerOptions, runnerSettings } from '../shared/cli.ts'
import { sleep, startProgress } from '../shared/progress.ts'
import { ownsAllTasks } from '../shared/run-app.ts'
import { forever, onShutdown } from '../shared/shutdown.ts'
import { printChecks, printDone } from '../shared/summary.ts'
import { clusterClient, createAuctionTopics, startAuctionApp } from './app.ts'
import type { Cluster } from './app.ts'
import { AuctionServer } from './http.ts'
import { expectedOutcomes, generateLoad, send } from './load.ts'
import { TOPICS } from './model.ts'
import { checks, OutcomeTracker } from './verify.ts'

const { values: flags } = parseArgs({
  options: {
    'items': { type: 'string', default: '300' },
    'bids': { type: 'string', default: '20000' },
    'session-timeout': { type: 'string', default: '45000' },
    ...runnerOptions('auction'),
  },
})
const args = cli('examples/auction/main.ts')
const { int } = args
const { badRatio, guarantee, storeType, partitions, loading, commitIntervalMs } = runnerSettings(flags, args)
const { brokers, onKafka, where } = kafkaBrokers()
const sessionTimeout = int('session-timeout', flags['session-timeout'], 1000)
const cluster: Cluster = onKafka
  ? { kafka: { brokers, clientId: `auction-${process.pid}`, consumer: { sessionTimeout } } }
  : { client: createEmbeddedKafka() }
const runId = onKafka ? `a${Date.now().toString(36)}` : 'a'
const load = generateLoad({
  seed: int('seed', flags.seed, 0),
  items: int('items', flags.items, 1),
  bids: int('bids', flags.bids, 0),
  badRatio,
  runId,
  baseTime: Math.floor(Date.now() / 60_000) * 60_000,
})
const expected = expectedOutcomes(load)

const tools = clusterClient(cluster)
await createAuctionTopics(tools, partitions)
const server = flags.serve ? new AuctionServer() : undefined
const self = await server?.listen(int('port', flags.port, 0))
const app = await startAuctionApp({
  cluster,
  applicationId: flags['app-id'],
  ...(flags['state-dir'] ? { stateDir: flags['state-dir'] } : {}),
  processingGuarantee: guarantee,
  storeType,
  ...(commitIntervalMs !== undefined ? { commitIntervalMs } : {}),
  ...(self ? { applicationServer: self } : {}),
})
server?.attach({ streams: app.streams, self: self ?? 'localhost:0', counts: app.counts })

const shutdown = onShutdown(async () => {
  await app.close()
  await server?.close()
})

console.log(loading
  ? `auction: ${num(load.items.length)} items and ${num(load.bids.length)} bids (${badRatio * 100}% bad), seed ${flags.seed} — ${where}, ${partitions} partitions, ${guarantee}`
  : `auction: running on ${where} (${guarantee}), sending no load`)
if (self) printEndpoints()

const tracker = loading ? new OutcomeTracker(tools, runId) : undefined
await tracker?.start()
const started = performance.now()
let phase = 'listing items'
const stopProgress = startProgress(started, () => app.processed(), (processed, rate) => {
  const c = app.counts
  const loadPart = tracker ? `   resolved ${num(tracker.resolved)}/${num(load.items.length + load.bids.length)}   ${phase}` : ''
  return `processed ${num(processed).padStart(8)}  ${num(Math.round(rate)).padStart(7)}/s   bids ${num(c.bid).padStart(6)}   closed ${num(c.close).padStart(4)}${loadPart}`
})

if (!tracker) {
  await forever() // only a worker: run (and serve) until stopped
} else {
  const deadline = Date.now() + int('timeout', flags.timeout, 1) * 1000
  const until = async (done: () => boolean): Promise<void> => {
    while (!done() && Date.now() < deadline && !shutdown.stopping) await sleep(20)
  }
  await send(tools, TOPICS.submissions, load.items, `auction-load-${runId}-items`)
  // Bidders bid on items they can see: wait until the items are in the table (here, or — when
  // other instances hold some — until they are on the items topic and a moment has passed).
  await until(() => load.items.every((r) => tracker.outcomes.has(r.id)))
  if (ownsAllTasks(app.streams)) await until(() => app.counts.item >= expected.items.size)
  else await sleep(2000)
  phase = 'bidding'
  await send(tools, TOPICS.bids, load.bids, `auction-load-${runId}-bids`, (n) => {
    phase = `bidding ${num(n)}/${num(load.bids.length)}`
  })
  phase = 'all sent'
  await until(() => tracker.resolved >= load.items.length + load.bids.length && expected.items.size <= tracker.results.size)
  await sleep(500) // anything more (a duplicate) would show now
  stopProgress()
  const elapsed = (performance.now() - started) / 1000
  await tracker.close()
  const results = checks(tracker, expected, load)
  const processed = app.processed()
  const c = (o: string) => num(tracker.count(o))
  const statuses = [...tracker.completions.values()].map((l) => l[0]?.status)
  const st = (s: string) => num(statuses.filter((x) => x === s).length)
  const refusedItems = ['INVALID_PRICE', 'INVALID_RESERVE', 'INVALID_DURATION', 'DUPLICATE_ITEM'].reduce((n, o) => n + tracker.count(o), 0)
  const itemIds = new Set(load.items.map((r) => r.id))
  const deadItems = [...tracker.outcomes].filter(([id, o]) => itemIds.has(id) && o[0] === 'DEAD_LETTER').length
  printDone(elapsed, processed, ownsAllTasks(app.streams))
  console.log(`  items     listed ${c('LISTED')} · rejected ${num(refusedItems)} · dead-lettered ${num(deadItems)}`)
  console.log(`  bids      accepted ${c('ACCEPTED')} · rejected ${num(['UNKNOWN_ITEM', 'AUCTION_CLOSED', 'BELOW_START_PRICE', 'SELLER_BID', 'INVALID_AMOUNT'].reduce((n, o) => n + tracker.count(o), 0))} (closed ${c('AUCTION_CLOSED')} · unknown item ${c('UNKNOWN_ITEM')} · below start ${c('BELOW_START_PRICE')} · seller ${c('SELLER_BID')}) · dead-lettered ${num(tracker.count('DEAD_LETTER') - deadItems)}`)
  console.log(`  auctions  sold ${st('SOLD')} · unsold ${st('UNSOLD')} · reserve not met ${st('RESERVE_NOT_MET')} · notifications ${num([...tracker.notifications.values()].reduce((n, l) => n + l.length, 0))}`)
  const ok = printChecks(results)
  console.log(ok ? 'all invariants hold' : 'FAILED: see the checks marked ✘')
  if (self) {
    printEndpoints()
    console.log('serving until Ctrl-C')
    await forever()
  }
  await shutdown.stop(ok ? 0 : 1)
}

function printEndpoints(): void {
  const base = `http://${self}`
  console.log(`HTTP: ${base}/items   ${base}/items/${load.items[0]?.id ?? 'a-item-0'}   ${base}/auctions/finished   ${base}/health`)
}
