// The auction topology through the TopologyTestDriver: exact outputs and store contents.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Serdes } from 'kstreams'
import { TopologyTestDriver } from 'kstreams/testing'
import { buildAuctionTopology } from '../../examples/auction/topology.ts'
import type { AuctionTopologyOptions } from '../../examples/auction/topology.ts'
import { DLQ_HEADERS, STORES, TOPICS } from '../../examples/auction/model.ts'

const T = 1_700_000_000_000

function driver(options: AuctionTopologyOptions = {}): TopologyTestDriver {
  return new TopologyTestDriver(buildAuctionTopology({ storeType: 'memory', ...options }), { applicationId: 'auction', initialWallClockTimeMs: T })
}
const submit = (d: TopologyTestDriver, item: object | string, at = T) =>
  d.createInputTopic(TOPICS.submissions, Serdes.string(), Serdes.string()).pipeInput('k', typeof item === 'string' ? item : JSON.stringify(item), at)
const bid = (d: TopologyTestDriver, id: string, itemId: string, bidder: string, amount: number, at: number) =>
  d.createInputTopic(TOPICS.bids, Serdes.string(), Serdes.string()).pipeInput(itemId, JSON.stringify({ id, itemId, bidder, amount }), at)
const read = (d: TopologyTestDriver, topic: string) =>
  d.createOutputTopic(topic, Serdes.string(), Serdes.string()).readKeyValuesToList().map((kv) => [kv.key, kv.value === null ? null : JSON.parse(kv.value)])
const store = (d: TopologyTestDriver, name: string) => Object.fromEntries([...d.getKeyValueStore(name).all()].map((e) => [e.key, e.value]))

const lamp = { id: 'lamp', title: '  Brass   lamp ', seller: 'sam', category: ' Home ', startPrice: 1000, reservePrice: 2000, durationSeconds: 60, country: 'de' }
const LAMP = { id: 'lamp', title: 'Brass lamp', seller: 'sam', category: 'home', region: 'EU', startPrice: 1000, reservePrice: 2000, listedAt: T, endsAt: T + 60_000, status: 'OPEN' }
const lampDetails = { id: 'lamp', title: 'Brass lamp', seller: 'sam', category: 'home', region: 'EU', startPrice: 1000, endsAt: T + 60_000 }
const b = (id: string, bidder: string, amount: number, at: number, itemId = 'lamp') => ({ id, itemId, bidder, amount, at })

test('items: valid ones are normalised and enriched into items and the table; bad rules are rejected, unreadable ones dead-lettered', () => {
  const d = driver()
  submit(d, lamp)
  submit(d, { ...lamp, id: 'cheap', startPrice: 0 })
  submit(d, { ...lamp, id: 'odd', reservePrice: 500 })
  submit(d, { ...lamp, id: 'long', durationSeconds: 0 })
  submit(d, { id: 'vase', title: 'Vase', seller: 'val', startPrice: 500, durationSeconds: 30 })
  submit(d, '{"id":"x",')
  submit(d, { id: 'y', seller: 'sam', startPrice: 1, durationSeconds: 1 })
  submit(d, lamp, T + 5)
  assert.deepEqual(read(d, TOPICS.items), [
    ['lamp', LAMP],
    ['vase', { id: 'vase', title: 'Vase', seller: 'val', category: 'general', region: 'OTHER', startPrice: 500, reservePrice: null, listedAt: T, endsAt: T + 30_000, status: 'OPEN' }],
    ['lamp', { ...LAMP, listedAt: T + 5, endsAt: T + 60_005 }],
  ])
  assert.deepEqual(read(d, TOPICS.rejected).map(([key, r]) => [key, r.type, r.code]), [
    ['cheap', 'item', 'INVALID_PRICE'],
    ['odd', 'item', 'INVALID_RESERVE'],
    ['long', 'item', 'INVALID_DURATION'],
    ['lamp', 'item', 'DUPLICATE_ITEM'],
  ])
  const dlq = d.createOutputTopic(TOPICS.dlq, Serdes.string(), Serdes.string()).readRecordsToList()
  assert.deepEqual(dlq.map((r) => [r.value, r.headers[DLQ_HEADERS.exception]?.toString(), r.headers[DLQ_HEADERS.topic]?.toString()]), [
    ['{"id":"x",', 'MalformedItem', TOPICS.submissions],
    ['{"id":"y","seller":"sam","startPrice":1,"durationSeconds":1}', 'MalformedItem', TOPICS.submissions],
  ])
  assert.match(dlq[1]!.headers[DLQ_HEADERS.message]!.toString(), /"title" must be a non-empty string/)
  // The first listing stays: a duplicate does not reset the auction.
  assert.deepEqual(Object.keys(store(d, STORES.items)).sort(), ['lamp', 'vase'])
  assert.equal(store(d, STORES.items).lamp.endsAt, T + 60_000)
  d.close()
})

test('bids: joined with open items into the history; unknown item, seller, below start, bad amount and unreadable bids refused', () => {
  const d = driver()
  submit(d, lamp)
  bid(d, 'b1', 'lamp', 'ann', 1500, T + 1000)
  bid(d, 'b2', 'ghost', 'ann', 1500, T + 1100)
  bid(d, 'b3', 'lamp', 'sam', 5000, T + 1200)
  bid(d, 'b4', 'lamp', 'bob', 999, T + 1300)
  bid(d, 'b5', 'lamp', 'bob', -3, T + 1400)
  d.createInputTopic(TOPICS.bids, Serdes.string(), Serdes.string()).pipeInput('lamp', 'nope', T + 1500)
  assert.deepEqual(read(d, TOPICS.history), [['lamp', { bid: b('b1', 'ann', 1500, T + 1000), item: lampDetails }]])
  assert.deepEqual(read(d, TOPICS.rejected).map(([key, r]) => [key, r.id, r.code]), [
    ['ghost', 'b2', 'UNKNOWN_ITEM'],
    ['lamp', 'b3', 'SELLER_BID'],
    ['lamp', 'b4', 'BELOW_START_PRICE'],
    ['lamp', 'b5', 'INVALID_AMOUNT'],
  ])
  const dlq = d.createOutputTopic(TOPICS.dlq, Serdes.string(), Serdes.string()).readRecordsToList()
  assert.deepEqual(dlq.map((r) => [r.key, r.value, r.headers[DLQ_HEADERS.exception]?.toString(), r.headers[DLQ_HEADERS.message]?.toString().slice(0, 14)]), [
    ['lamp', 'nope', 'MalformedBid', 'malformed JSON'],
  ])
  assert.deepEqual(store(d, STORES.history), { lamp: [b('b1', 'ann', 1500, T + 1000)] })
  d.close()
})

test('expiry: the winner is the highest bid; bids after the end or after the close are refused; one completion, results and notifications', () => {
  const d = driver()
  submit(d, lamp)
  bid(d, 'b1', 'lamp', 'ann', 1500, T + 1000)
  bid(d, 'b2', 'lamp', 'bob', 2600, T + 2000)
  bid(d, 'b3', 'lamp', 'cat', 2600, T + 3000) // as high as bob's, but later
  bid(d, 'b4', 'lamp', 'ann', 2200, T + 59_999)
  bid(d, 'b5', 'lamp', 'dan', 9000, T + 60_000) // at the end: too late, though the item is not closed yet
  bid(d, 'b6', 'lamp', 'dan', 9000, T + 30_000) // on time, but arrives after the close
  bid(d, 'b7', 'lamp', 'eve', 9000, T + 120_000)
  const winner = b('b2', 'bob', 2600, T + 2000)
  const closed = { ...LAMP, status: 'SOLD', winningBid: winner, closedAt: T + 60_000 }
  assert.deepEqual(read(d, TOPICS.complete), [['lamp', closed]])
  assert.deepEqual(read(d, TOPICS.history).map(([, h]) => h.bid.id), ['b1', 'b2', 'b3', 'b4'])
  assert.deepEqual(read(d, TOPICS.rejected).map(([, r]) => [r.id, r.code, r.reason]), [
    ['b5', 'AUCTION_CLOSED', `bid at ${T + 60_000} is after the auction of "lamp" ended at ${T + 60_000}`],
    ['b6', 'AUCTION_CLOSED', 'auction of "lamp" is closed (SOLD)'],
    ['b7', 'AUCTION_CLOSED', 'auction of "lamp" is closed (SOLD)'],
  ])
  assert.deepEqual(read(d, TOPICS.results), [['lamp', {
    itemId: 'lamp', title: 'Brass lamp', seller: 'sam', status: 'SOLD', winner: 'bob', price: 2600, reservePrice: 2000, endsAt: T + 60_000, closedAt: T + 60_000,
    analytics: { bidCount: 4, bidders: 3, highest: 2600, lowest: 1500, spread: 1100, firstBidAt: T + 1000, lastBidAt: T + 59_999 },
  }]])
  assert.deepEqual(read(d, TOPICS.notifications).map(([user, n]) => [user, n.kind, n.message]), [
    ['sam', 'ITEM_SOLD', '"Brass lamp" (lamp) sold to bob for 2600 cents'],
    ['ann', 'OUTBID', 'you were outbid on "Brass lamp" (lamp); it sold for 2600 cents'],
    ['bob', 'WON', 'you won "Brass lamp" (lamp) for 2600 cents'],
    ['cat', 'OUTBID', 'you were outbid on "Brass lamp" (lamp); it sold for 2600 cents'],
  ])
  assert.deepEqual(store(d, STORES.items), { lamp: closed })
  assert.deepEqual(Object.keys(store(d, STORES.results)), ['lamp'])
  d.close()
})

test('reserve not met and unsold: status, results and notifications', () => {
  const d = driver()
  submit(d, lamp)
  submit(d, { id: 'vase', title: 'Vase', seller: 'val', startPrice: 500, durationSeconds: 30 })
  bid(d, 'b1', 'lamp', 'ann', 1500, T + 1000)
  bid(d, 'b2', 'lamp', 'bob', 1999, T + 2000)
  bid(d, 'late', 'vase', 'bob', 700, T + 90_000)
  assert.deepEqual(read(d, TOPICS.complete).map(([id, item]) => [id, item.status, item.closedAt, item.winningBid]), [
    ['vase', 'UNSOLD', T + 90_000, undefined],
    ['lamp', 'RESERVE_NOT_MET', T + 90_000, undefined],
  ])
  assert.deepEqual(read(d, TOPICS.results).map(([id, r]) => [id, r.status, r.winner, r.price, r.analytics.bidCount, r.analytics.spread]), [
    ['vase', 'UNSOLD', null, null, 0, null],
    ['lamp', 'RESERVE_NOT_MET', null, null, 2, 499],
  ])
  assert.deepEqual(read(d, TOPICS.notifications).map(([user, n]) => [user, n.itemId, n.kind]), [
    ['val', 'vase', 'ITEM_UNSOLD'],
    ['sam', 'lamp', 'ITEM_RESERVE_NOT_MET'],
    ['ann', 'lamp', 'RESERVE_NOT_MET'],
    ['bob', 'lamp', 'RESERVE_NOT_MET'],
  ])
  d.close()
})

test('the windowed statistic: accepted bids per item per minute, queryable as <item>@<window start>', () => {
  const d = driver()
  submit(d, { ...lamp, durationSeconds: 600 })
  const minute = Math.floor(T / 60_000) * 60_000
  for (const [i, at] of [T + 1000, T + 2000, minute + 60_000, minute + 61_000, minute + 62_000].entries()) bid(d, `b${i}`, 'lamp', 'ann', 1000 + i, at)
  bid(d, 'refused', 'lamp', 'ann', 1, minute + 63_000)
  const key = (start: number) => `lamp@${String(start).padStart(15, '0')}`
  assert.deepEqual(store(d, STORES.bidRate), { [key(minute)]: 2, [key(minute + 60_000)]: 3 })
  d.close()
})

test('wall-clock punctuation closes auctions as real time passes, without traffic', () => {
  const d = driver({ punctuation: 'wall-clock' })
  submit(d, { ...lamp, durationSeconds: 5 }, T)
  bid(d, 'b1', 'lamp', 'ann', 2500, T + 1000)
  assert.deepEqual(read(d, TOPICS.complete), [])
  d.advanceWallClockTime(10_000)
  assert.deepEqual(read(d, TOPICS.complete).map(([id, item]) => [id, item.status, item.winningBid.bidder]), [['lamp', 'SOLD', 'ann']])
  d.advanceWallClockTime(10_000)
  assert.deepEqual(read(d, TOPICS.complete), [], 'closed once')
  d.close()
})
