// The auction app on a real broker: two processes share the work under exactly-once, one is
// killed with SIGKILL while bids flow, and the committed output must still hold the auction
// invariants: one completion per listed item, no bid accepted after its item closed, the winner
// the highest valid bid.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKafkaJsClient } from 'kstreams'
import { brokerProblem, HOW_TO_START, KAFKA_BROKERS } from '../helpers/services.ts'
import { testKafka } from '../helpers/kafka.ts'
import { AppInstance, eventually, sleep } from '../../chaos/instance.ts'
import type { Health } from '../../chaos/instance.ts'

const isCI = process.env.CI === 'true' || process.env.CI === '1'
const problem = process.env.KSTREAMS_INTEGRATION === '1' ? undefined : await brokerProblem()
const skip = problem !== undefined && !isCI ? `integration: ${problem}; ${HOW_TO_START}` : false

// The app's modules read the topic prefix when first loaded: set it, then load them.
const runTag = `auc-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`
process.env.AUCTION_TOPIC_PREFIX = `${runTag}-`
const { createAuctionTopics } = await import('../../examples/auction/app.ts')
const { expectedOutcomes, generateLoad, send } = await import('../../examples/auction/load.ts')
const { TOPICS } = await import('../../examples/auction/model.ts')
const { buildAuctionTopology } = await import('../../examples/auction/topology.ts')
const { checks, OutcomeTracker } = await import('../../examples/auction/verify.ts')

const instance = (args: string[]) => new AppInstance({ app: 'auction', brokers: KAFKA_BROKERS, prefix: `${runTag}-`, args })
const handled = (h: Health): number => Object.values(h.handled).reduce((a, b) => a + b, 0)

test('two auction instances on Kafka under exactly-once, one killed with SIGKILL mid-bidding: one completion per listed item, no bid accepted after close, the highest valid bid wins', { skip, timeout: 300_000 }, async (t) => {
  if (problem !== undefined) throw new Error(`CI=true requires a Kafka broker: ${problem}`)
  const partitions = 4
  const subtopologies = (buildAuctionTopology({ storeType: 'memory' }).describe().match(/Sub-topology: \d+$/gm) ?? []).length
  const tasks = subtopologies * partitions
  assert.ok(tasks > 0)
  const client = createKafkaJsClient({ brokers: [...KAFKA_BROKERS], clientId: 'auction-it' })
  const stateDirs = mkdtempSync(join(tmpdir(), 'kstreams-auction-it-'))
  const instances: AppInstance[] = []
  const began = Date.now()
  const phase = (what: string) => t.diagnostic(`${what} after ${((Date.now() - began) / 1000).toFixed(1)} s`)
  t.after(async () => {
    await Promise.all(instances.map((i) => i.kill()))
    rmSync(stateDirs, { recursive: true, force: true })
    // The output topics carry the run's prefix and the internal ones its application id: both start with runTag.
    const admin = testKafka().admin()
    await admin.connect()
    const mine = (await admin.listTopics()).filter((name) => name.startsWith(runTag))
    if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch(() => {})
    await admin.disconnect()
  })

  await createAuctionTopics(client, partitions)
  const args = (name: string) => [
    '--session-timeout', '6000', '--app-id', runTag, '--partitions', String(partitions),
    '--guarantee', 'exactly_once', '--state-dir', join(stateDirs, name),
  ]
  const [survivor, victim] = [instance(args('survivor')), instance(args('victim'))]
  instances.push(survivor, victim)
  await eventually('both instances to share the tasks', () => Promise.all([survivor.health(), victim.health()]),
    ([a, b]) => a.state === 'RUNNING' && b.state === 'RUNNING' && a.activeTasks.length > 0 && b.activeTasks.length > 0 &&
      a.activeTasks.length + b.activeTasks.length === tasks, 90_000)
  phase('both instances running')

  const runId = runTag
  const load = generateLoad({ seed: 11, items: 30, bids: 400, badRatio: 0.05, runId, baseTime: Math.floor(Date.now() / 60_000) * 60_000 })
  const expected = expectedOutcomes(load)
  const total = load.items.length + load.bids.length
  const half = Math.floor(load.bids.length / 2)
  const tracker = new OutcomeTracker(client, runId)
  await tracker.start()
  try {
    await send(client, TOPICS.submissions, load.items, `auction-it-${runId}-items`, () => {}, 10)
    await eventually('every item to be listed or refused', () => tracker.resolved, (n) => n >= load.items.length, 60_000)
    // The items reach the table through a second sub-topology: give it a moment before bids arrive.
    await sleep(2000)
    await send(client, TOPICS.bids, load.bids.slice(0, half), `auction-it-${runId}-bids-1`, () => {}, 20)
    await eventually('bids to flow on both instances', () => Promise.all([tracker.resolved, survivor.health(), victim.health()]),
      ([n, a, b]) => n >= load.items.length + half / 2 && a.handled.bid! > 0 && b.handled.bid! > 0, 60_000)
    assert.ok(tracker.resolved < total, 'the kill happens while bids are still being processed')
    await victim.kill()
    phase(`victim killed with ${tracker.resolved}/${total} resolved`)
    await send(client, TOPICS.bids, load.bids.slice(half), `auction-it-${runId}-bids-2`, () => {}, 20)

    await eventually('the survivor to run every task', () => survivor.health(), (h) => h.state === 'RUNNING' && h.activeTasks.length === tasks, 120_000)
    phase('the survivor runs every task')
    await eventually('every outcome and every result', () => [tracker.resolved, tracker.results.size],
      ([n, r]) => n! >= total && r! >= expected.items.size, 150_000)
    phase('every outcome')
    // A quiet moment: the survivor handled nothing for two seconds, so a duplicate would be on the topics by now.
    let last = -1
    await eventually('a quiet moment', async () => {
      const now = handled(await survivor.health())
      const same = now === last
      last = now
      await sleep(1750)
      return same
    }, (same) => same, 60_000)
    await sleep(1000)
  } finally {
    await tracker.close()
  }

  // Whether a bid met its item depends on timing across sub-topologies, not on exactly-once; the
  // checks below are the invariants any run must hold, whatever the timing and the kill.
  const wanted = [
    'every item and bid has exactly one outcome',
    'exactly one completion (and one result) per listed item',
    'no bid accepted after its item closed',
    'the winner is the highest valid bid (and status follows the reserve)',
    'seller and every bidder notified once per auction',
  ]
  const results = checks(tracker, expected, load)
  for (const name of wanted) {
    const check = results.find((c) => c.name === name)
    assert.ok(check !== undefined, `no check named "${name}"`)
    assert.ok(check.ok, `${check.name}: ${check.detail}`)
  }
  const seed = results.find((c) => c.name === 'every outcome is what the seed calls for')
  if (seed !== undefined && !seed.ok) t.diagnostic(`${seed.name}: ${seed.detail}`)
  assert.ok(tracker.count('ACCEPTED') > 0, 'bids accepted')
  assert.ok([...tracker.completions.values()].some((l) => l[0]?.status === 'SOLD'), 'auctions sold')

  assert.equal(await survivor.stop(), 143, survivor.output)
})
