// The payments topology through the TopologyTestDriver: exact outputs and store contents.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Serdes } from 'kstreams'
import { TopologyTestDriver } from 'kstreams/testing'
import { buildPaymentsTopology } from '../../examples/payments/topology.ts'
import { DLQ_HEADERS, STORES, TOPICS } from '../../examples/payments/model.ts'
import type { Account } from '../../examples/payments/model.ts'

function driver(warnings: string[] = []): TopologyTestDriver {
  const d = new TopologyTestDriver(buildPaymentsTopology(), {
    applicationId: 'payments',
    deserializationExceptionHandler: 'continue',
    logger: { warn: (obj, msg) => warnings.push(`${(obj as { topic?: string }).topic}: ${msg}`) },
  })
  const accounts = d.createInputTopic(TOPICS.accounts, Serdes.string(), Serdes.json<Account>())
  accounts.pipeInput('alice', { openingBalance: 1000 })
  accounts.pipeInput('bob', { openingBalance: 500 })
  return d
}

const requests = (d: TopologyTestDriver) => d.createInputTopic(TOPICS.inflight, Serdes.string(), Serdes.string())
const read = (d: TopologyTestDriver, topic: string) =>
  d.createOutputTopic(topic, Serdes.string(), Serdes.string()).readKeyValuesToList().map((kv) => [kv.key, kv.value === null ? null : JSON.parse(kv.value)])
const store = (d: TopologyTestDriver, name: string) => Object.fromEntries([...d.getKeyValueStore<string, number>(name).all()].map((e) => [e.key, e.value]))

test('a payment: DEBIT keyed by the from account, CREDIT keyed by the to account, then complete; all three balances agree', () => {
  const d = driver()
  requests(d).pipeInput('alice', JSON.stringify({ id: 'p1', from: 'alice', to: 'bob', amount: 300 }))
  assert.deepEqual(read(d, TOPICS.payment), [
    ['alice', { id: 'p1', from: 'alice', to: 'bob', amount: 300, type: 'DEBIT' }],
    ['bob', { id: 'p1', from: 'alice', to: 'bob', amount: 300, type: 'CREDIT' }],
  ])
  assert.deepEqual(read(d, TOPICS.complete), [['p1', { id: 'p1', from: 'alice', to: 'bob', amount: 300 }]])
  assert.deepEqual(read(d, TOPICS.rejected), [])
  assert.deepEqual(read(d, TOPICS.dlq), [])
  for (const name of [STORES.ledger, STORES.inflight, STORES.confirmed]) assert.deepEqual(store(d, name), { alice: 700, bob: 800 }, name)
  d.close()
})

test('insufficient funds: rejected by the payment processor, and the in-flight balance moves the money back', () => {
  const d = driver()
  const input = requests(d)
  input.pipeInput('alice', JSON.stringify({ id: 'p1', from: 'alice', to: 'bob', amount: 300 }))
  input.pipeInput('bob', JSON.stringify({ id: 'p2', from: 'bob', to: 'alice', amount: 801 }))
  input.pipeInput('bob', JSON.stringify({ id: 'p3', from: 'bob', to: 'alice', amount: 800 }))
  assert.deepEqual(read(d, TOPICS.rejected), [
    ['p2', { payment: { id: 'p2', from: 'bob', to: 'alice', amount: 801 }, code: 'INSUFFICIENT_FUNDS', reason: 'insufficient funds: balance 800, amount 801', stage: 'DEBIT' }],
  ])
  assert.deepEqual(read(d, TOPICS.complete).map(([id]) => id), ['p1', 'p3'])
  // bob's last 800 went; alice got them back plus what she had left.
  for (const name of [STORES.ledger, STORES.inflight, STORES.confirmed]) assert.deepEqual(store(d, name), { alice: 1500, bob: 0 }, name)
  d.close()
})

test('unknown account, payment to oneself and bad amounts are rejected before they are in flight; no balance moves', () => {
  const d = driver()
  const input = requests(d)
  input.pipeInput('bob', JSON.stringify({ id: 'u1', from: 'bob', to: 'carol', amount: 5 }))
  input.pipeInput('dave', JSON.stringify({ id: 'u2', from: 'dave', to: 'bob', amount: 5 }))
  input.pipeInput('alice', JSON.stringify({ id: 's1', from: 'alice', to: 'alice', amount: 10 }))
  input.pipeInput('alice', JSON.stringify({ id: 'a1', from: 'alice', to: 'bob', amount: 0 }))
  input.pipeInput('alice', JSON.stringify({ id: 'a2', from: 'alice', to: 'bob', amount: -20 }))
  input.pipeInput('alice', JSON.stringify({ id: 'a3', from: 'alice', to: 'bob', amount: 1.5 }))
  const rejection = (id: string, from: string, to: string, amount: number, code: string, reason: string) =>
    [id, { payment: { id, from, to, amount }, code, reason, stage: 'REQUEST' }]
  assert.deepEqual(read(d, TOPICS.rejected), [
    rejection('u1', 'bob', 'carol', 5, 'UNKNOWN_ACCOUNT', 'unknown account "carol"'),
    rejection('u2', 'dave', 'bob', 5, 'UNKNOWN_ACCOUNT', 'unknown account "dave"'),
    rejection('s1', 'alice', 'alice', 10, 'SELF_PAYMENT', 'payment from account "alice" to itself'),
    rejection('a1', 'alice', 'bob', 0, 'INVALID_AMOUNT', 'amount must be positive, got 0'),
    rejection('a2', 'alice', 'bob', -20, 'INVALID_AMOUNT', 'amount must be positive, got -20'),
    rejection('a3', 'alice', 'bob', 1.5, 'INVALID_AMOUNT', 'amount must be a whole number of cents, got 1.5'),
  ])
  assert.deepEqual(read(d, TOPICS.payment), [])
  assert.deepEqual(read(d, TOPICS.complete), [])
  for (const name of [STORES.ledger, STORES.inflight, STORES.confirmed]) assert.deepEqual(store(d, name), {}, name)
  d.close()
})

test('unreadable requests go to payments-dlq as they arrived, with the reason and origin in headers; the app goes on', () => {
  const d = driver()
  const raw = d.createInputTopic(TOPICS.inflight, Serdes.bytes(), Serdes.bytes())
  raw.pipeRecord({ key: Buffer.from('k1'), value: Buffer.from('{"id":"m1","from":'), headers: { 'payment-request-id': 'm1' } })
  raw.pipeInput(Buffer.from('k2'), Buffer.from(JSON.stringify({ id: 'm2', from: 'alice', amount: 5 })))
  raw.pipeInput(Buffer.from('k3'), Buffer.from('[1,2]'))
  raw.pipeRecord({ key: Buffer.from([0xff, 0x00]), value: null as unknown as Buffer })
  requests(d).pipeInput('alice', JSON.stringify({ id: 'p1', from: 'alice', to: 'bob', amount: 1 }))

  const dlq = d.createOutputTopic(TOPICS.dlq, Serdes.bytes(), Serdes.bytes()).readRecordsToList()
  assert.deepEqual(dlq.map((r) => r.key), [Buffer.from('k1'), Buffer.from('k2'), Buffer.from('k3'), Buffer.from([0xff, 0x00])])
  assert.deepEqual(dlq.map((r) => r.value?.toString() ?? null), ['{"id":"m1","from":', '{"id":"m2","from":"alice","amount":5}', '[1,2]', null])
  const header = (i: number, name: string) => dlq[i]!.headers[name]?.toString()
  assert.match(header(0, DLQ_HEADERS.message)!, /^malformed JSON: /)
  assert.equal(header(1, DLQ_HEADERS.message), 'malformed request: "to" must be a non-empty string')
  assert.equal(header(2, DLQ_HEADERS.message), 'malformed request: not a JSON object')
  assert.equal(header(3, DLQ_HEADERS.message), 'malformed request: no value')
  assert.deepEqual([0, 1, 2, 3].map((i) => [header(i, DLQ_HEADERS.exception), header(i, DLQ_HEADERS.topic), header(i, DLQ_HEADERS.partition), header(i, DLQ_HEADERS.offset)]), [
    ['MalformedPaymentRequest', 'payment-inflight', '0', '0'],
    ['MalformedPaymentRequest', 'payment-inflight', '0', '1'],
    ['MalformedPaymentRequest', 'payment-inflight', '0', '2'],
    ['MalformedPaymentRequest', 'payment-inflight', '0', '3'],
  ])
  assert.equal(header(0, 'payment-request-id'), 'm1', 'the request\'s own headers stay on the dead letter')
  assert.deepEqual(read(d, TOPICS.complete).map(([id]) => id), ['p1'])
  d.close()
})

test('garbage on the typed topics is skipped by the continue policy, not fatal', () => {
  const warnings: string[] = []
  const d = driver(warnings)
  const bytes = (topic: string) => d.createInputTopic(topic, Serdes.string(), Serdes.bytes())
  bytes(TOPICS.payment).pipeInput('alice', Buffer.from('not json'))
  bytes(TOPICS.payment).pipeInput('alice', Buffer.from('{"type":"REFUND"}'))
  bytes(TOPICS.complete).pipeInput('x', Buffer.from('{'))
  bytes(TOPICS.rejected).pipeInput('x', Buffer.from('{'))
  requests(d).pipeInput('alice', JSON.stringify({ id: 'p1', from: 'alice', to: 'bob', amount: 100 }))
  assert.deepEqual(read(d, TOPICS.complete).map(([id]) => id), ['p1'])
  assert.deepEqual(store(d, STORES.confirmed), { alice: 900, bob: 600 })
  assert.deepEqual(warnings.map((w) => w.split(':')[0]), [TOPICS.payment, TOPICS.complete, TOPICS.rejected])
  d.close()
})
