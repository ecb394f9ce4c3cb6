// The reference apps' business metrics, read from the TopologyTestDriver's registry.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Serdes } from 'kstreams'
import { TopologyTestDriver } from 'kstreams/testing'
import { TOPICS as AUCTION } from '../../examples/auction/model.ts'
import { buildAuctionTopology } from '../../examples/auction/topology.ts'
import type { Account } from '../../examples/payments/model.ts'
import { TOPICS as PAYMENTS } from '../../examples/payments/model.ts'
import { buildPaymentsTopology } from '../../examples/payments/topology.ts'
import { total } from './metric-values.ts'


test('payments count by outcome and stage: accepted, rejected (request and debit), malformed, completed', async () => {
  const d = new TopologyTestDriver(buildPaymentsTopology(), { applicationId: 'payments', deserializationExceptionHandler: 'continue', logger: { warn() {} } })
  try {
    const accounts = d.createInputTopic(PAYMENTS.accounts, Serdes.string(), Serdes.json<Account>())
    accounts.pipeInput('alice', { openingBalance: 1000 })
    accounts.pipeInput('bob', { openingBalance: 500 })
    const requests = d.createInputTopic(PAYMENTS.inflight, Serdes.string(), Serdes.string())
    requests.pipeInput('alice', JSON.stringify({ id: 'p1', from: 'alice', to: 'bob', amount: 300 })) // completed
    requests.pipeInput('bob', JSON.stringify({ id: 'p2', from: 'bob', to: 'alice', amount: 801 })) // insufficient funds at the debit
    requests.pipeInput('bob', JSON.stringify({ id: 'u1', from: 'bob', to: 'carol', amount: 5 })) // unknown account at the request
    requests.pipeInput('bob', '{not json') // malformed
    const r = d.metricsRegistry!
    assert.equal(await total(r, 'payments_total', { outcome: 'accepted', stage: 'request' }), 2)
    assert.equal(await total(r, 'payments_total', { outcome: 'rejected', stage: 'request' }), 1)
    assert.equal(await total(r, 'payments_total', { outcome: 'malformed', stage: 'request' }), 1)
    assert.equal(await total(r, 'payments_total', { outcome: 'rejected', stage: 'debit' }), 1)
    assert.equal(await total(r, 'payments_total', { outcome: 'completed', stage: 'credit' }), 1)
    assert.equal(await total(r, 'payments_total', { application_id: 'payments' }), 6)
  } finally {
    d.close()
  }
})

test('auction counts accepted bids and observes the sale price', async () => {
  const T = 1_700_000_000_000
  const d = new TopologyTestDriver(buildAuctionTopology({ storeType: 'memory' }), { applicationId: 'auction', initialWallClockTimeMs: T })
  try {
    const lamp = { id: 'lamp', title: 'Brass lamp', seller: 'sam', category: 'Home', startPrice: 1000, reservePrice: 2000, durationSeconds: 60, country: 'de' }
    d.createInputTopic(AUCTION.submissions, Serdes.string(), Serdes.string()).pipeInput('k', JSON.stringify(lamp), T)
    const bids = d.createInputTopic(AUCTION.bids, Serdes.string(), Serdes.string())
    bids.pipeInput('lamp', JSON.stringify({ id: 'b1', itemId: 'lamp', bidder: 'ann', amount: 1500 }), T + 1000)
    bids.pipeInput('lamp', JSON.stringify({ id: 'b2', itemId: 'lamp', bidder: 'bob', amount: 2600 }), T + 2000)
    bids.pipeInput('lamp', JSON.stringify({ id: 'b3', itemId: 'lamp', bidder: 'eve', amount: 9000 }), T + 120_000) // closes the item; refused
    const r = d.metricsRegistry!
    assert.equal(await total(r, 'auction_bids_total'), 2)
    assert.equal(await total(r, 'auction_items_closed_total', { status: 'SOLD' }), 1)
    assert.equal(await total(r, 'auction_sale_price_cents', {}, 'auction_sale_price_cents_count'), 1)
    assert.equal(await total(r, 'auction_sale_price_cents', {}, 'auction_sale_price_cents_sum'), 2600)
  } finally {
    d.close()
  }
})
