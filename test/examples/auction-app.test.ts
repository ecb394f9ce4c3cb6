// The auction app on the embedded broker: end to end with its invariants and HTTP endpoints, the
// checks catching broken runs, the load generator, and `npm run auction` itself.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createEmbeddedKafka } from 'kstreams'
import { createAuctionTopics, startAuctionApp } from '../../examples/auction/app.ts'
import { AuctionServer } from '../../examples/auction/http.ts'
import { expectedOutcomes, generateLoad, send } from '../../examples/auction/load.ts'
import type { LoadOptions } from '../../examples/auction/load.ts'
import { TOPICS } from '../../examples/auction/model.ts'
import type { Bid, Item } from '../../examples/auction/model.ts'
import { checks, OutcomeTracker } from '../../examples/auction/verify.ts'
import { npmRun, quietLogger, sleep, until } from './example-runner.ts'

const npm = (args: string[]) => npmRun('auction', args)

const LOAD: LoadOptions = { seed: 7, items: 40, bids: 1200, badRatio: 0.1, runId: 'e2e', baseTime: 1_700_000_040_000 }

test('the load generator is deterministic and exercises every path', () => {
  const a = generateLoad(LOAD)
  assert.deepEqual(generateLoad(LOAD), a)
  assert.notDeepEqual(generateLoad({ ...LOAD, seed: 8 }).bids.slice(0, 20), a.bids.slice(0, 20))
  const expected = expectedOutcomes(a)
  const outcomes = new Set(expected.bids.values())
  for (const o of ['ACCEPTED', 'DEAD_LETTER', 'AUCTION_CLOSED', 'UNKNOWN_ITEM', 'BELOW_START_PRICE', 'SELLER_BID']) assert.ok(outcomes.has(o), o)
  const statuses = new Set([...expected.auctions.values()].map((x) => x.status))
  assert.deepEqual([...statuses].sort(), ['RESERVE_NOT_MET', 'SOLD', 'UNSOLD'])
  assert.ok(a.bids.every((b, i) => i === 0 || b.timestamp >= a.bids[i - 1]!.timestamp), 'bids in time order')
})

test('end to end on the embedded broker: the invariants hold, and the HTTP endpoints answer from the stores', async () => {
  const kafka = createEmbeddedKafka()
  await createAuctionTopics(kafka, 3)
  const server = new AuctionServer()
  const self = await server.listen(0)
  const app = await startAuctionApp({ cluster: { client: kafka }, storeType: 'memory', applicationServer: self, logger: quietLogger })
  server.attach({ streams: app.streams, self, counts: app.counts })
  const tracker = new OutcomeTracker(kafka, LOAD.runId)
  try {
    const load = generateLoad(LOAD)
    const expected = expectedOutcomes(load)
    await tracker.start()
    await send(kafka, TOPICS.submissions, load.items, 'items', () => {}, 100)
    await until('the items in the table', () => app.counts.item === expected.items.size)
    const get = async (path: string) => {
      const response = await fetch(`http://${self}${path}`)
      return { status: response.status, body: await response.json() as any }
    }
    const open = await get('/items')
    assert.equal(open.body.count, expected.items.size)
    assert.ok(open.body.items.every((i: Item) => i.status === 'OPEN'))

    await send(kafka, TOPICS.bids, load.bids, 'bids', () => {}, 200)
    await until('every outcome', () => tracker.resolved === load.items.length + load.bids.length && tracker.results.size === expected.items.size)
    await sleep(300)
    for (const check of checks(tracker, expected, load)) assert.ok(check.ok, `${check.name}: ${check.detail}`)

    const [soldId, sold] = [...expected.auctions].find(([, a]) => a.status === 'SOLD')!
    const item = await get(`/items/${soldId}`)
    assert.equal(item.status, 200)
    assert.equal(item.body.item.status, 'SOLD')
    assert.equal(item.body.highestBid.bidder, sold.winner)
    assert.equal(item.body.highestBid.amount, sold.price)
    assert.equal(item.body.bidCount, tracker.history.get(soldId)!.length)
    assert.equal(item.body.bidsPerMinute.reduce((n: number, m: { bids: number }) => n + m.bids, 0), item.body.bidCount)
    assert.equal((await get('/items/nothing')).status, 404)
    assert.equal((await get('/items')).body.count, 0, 'every auction closed')
    const finished = await get('/auctions/finished')
    assert.equal(finished.body.count, expected.items.size)
    assert.deepEqual(
      Object.fromEntries(finished.body.results.map((r: any) => [r.itemId, [r.status, r.winner, r.price]])),
      Object.fromEntries([...expected.auctions].map(([id, a]) => [id, [a.status, a.winner, a.price]])),
    )
    assert.equal((await get('/health')).body.state, 'RUNNING')
  } finally {
    await tracker.close()
    await app.close()
    await server.close()
  }
})

test('the checks catch two completions, a bid accepted after the close, and a winner that is not the highest bid', () => {
  const tracker = new OutcomeTracker(createEmbeddedKafka(), 'x')
  const item: Item = { id: 'x-item-0', title: 't', seller: 's', category: 'c', region: 'EU', startPrice: 100, reservePrice: null, listedAt: 0, endsAt: 1000, status: 'OPEN' }
  const bid = (id: string, amount: number, at: number): Bid => ({ id, itemId: item.id, bidder: `u${id}`, amount, at })
  const bids = [bid('x-bid-0', 300, 10), bid('x-bid-1', 200, 20), bid('x-bid-2', 900, 1000)]
  tracker.history.set(item.id, bids)
  const closed: Item = { ...item, status: 'SOLD', winningBid: bids[1]!, closedAt: 1000 }
  tracker.completions.set(item.id, [closed, closed])
  const expected = { items: new Map([[item.id, item]]), bids: new Map(), auctions: new Map() }
  const failed = checks(tracker, expected, { items: [], bids: [] }).filter((c) => !c.ok).map((c) => c.name)
  assert.deepEqual(failed, [
    'exactly one completion (and one result) per listed item',
    'no bid accepted after its item closed',
    'the winner is the highest valid bid (and status follows the reserve)',
    'seller and every bidder notified once per auction',
  ])
})


test('npm run auction runs a load on the embedded broker and exits 0 with the invariants checked', async () => {
  const run = await npm(['--items', '30', '--bids', '600', '--partitions', '2', '--store', 'memory'])
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`)
  assert.match(run.stdout, /auction: 30 items and [\d,]+ bids \(5% bad\), seed 42 — the embedded broker, 2 partitions, exactly_once/)
  assert.match(run.stdout, /\d+s +processed +[\d,]+ +[\d,]+\/s/, 'a progress line')
  assert.match(run.stdout, /done in [\d.]+s: [\d,]+ records processed, [\d,]+ records\/s/)
  assert.match(run.stdout, /bids +accepted [\d,]+ · rejected [\d,]+ .* dead-lettered \d+/)
  for (const name of ['exactly one completion', 'no bid accepted after its item closed', 'the winner is the highest valid bid']) {
    assert.match(run.stdout, new RegExp(`✔ ${name}`))
  }
  assert.match(run.stdout, /all invariants hold/)
})

test('npm run auction rejects a bad flag with exit code 2', async () => {
  const run = await npm(['--bad', '2'])
  assert.equal(run.code, 2)
  assert.match(run.stderr, /--bad must be between 0 and 1/)
})
