// A GlobalKTable join on a broker of the test's own, killed with kill -9 and relaunched under load:
// the global stream thread waits the outage out (taskTimeoutMs, KIP-572) instead of failing the
// instance, the join output is complete, and the global store ends with every update.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { KafkaStreams } from '../../src/runtime/kafka-streams.ts'
import type { StreamsState } from '../../src/runtime/streams-state.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { integrationServices } from '../helpers/services.ts'
import { APP_KAFKA, FlowingLoad, keepingLogger, ownBrokerForFile, until } from './own-broker.ts'

const services = await integrationServices()
const NAMES = 'customers'
const ORDERS = 'orders'
const OUT = 'orders-enriched'
const CUSTOMERS = 10

const fixture = ownBrokerForFile(() => services.ready())

test('a GlobalKTable join survives a broker kill -9: RUNNING again, every order joined once, every global update in the store', { skip: services.skip, timeout: 240_000 }, async (t) => {
  const { broker, client, createTopics, readAll } = fixture()
  const stateDir = mkdtempSync(join(tmpdir(), 'kstreams-global-kill-'))
  t.after(() => rmSync(stateDir, { recursive: true, force: true }))
  await createTopics([{ name: NAMES, partitions: 2 }, { name: ORDERS, partitions: 2 }, { name: OUT, partitions: 2 }])
  const text = (s: string) => Buffer.from(s)
  // Customers known before the start: every order joins one of them, whenever it is processed.
  const setup = client.producer({})
  await setup.connect()
  await setup.send(Array.from({ length: CUSTOMERS }, (_, i) => ({ topic: NAMES, key: text(`c${i}`), value: text(`customer ${i}`), timestamp: Date.now() })))
  await setup.close()

  const builder = new StreamsBuilder()
  const customers = builder.globalTable(NAMES, { key: Serdes.string(), value: Serdes.string(), storeName: 'customers' })
  builder
    .stream(ORDERS, { key: Serdes.string(), value: Serdes.string() })
    .join(customers, (customer) => customer, (order, name) => `${order}|${name}`)
    .to(OUT, { key: Serdes.string(), value: Serdes.string() })
  const logs: string[] = []
  const app = new KafkaStreams(builder.build(), {
    applicationId: 'global-kill',
    // kafkajs's own retries short (~1 s against a dead broker, ~10 s by default, longer for end
    // offsets, which the adapter retries on top): the outage reaches the global thread's retries.
    kafka: { brokers: broker.brokers, clientId: 'global-kill', ...APP_KAFKA, retry: { retries: 3, initialRetryTime: 100 } },
    stateDir,
    processingGuarantee: 'exactly_once',
    commitIntervalMs: 200,
    pollMs: 50,
    logger: keepingLogger(logs),
  })
  const states: Array<{ state: StreamsState; at: number }> = []
  const errors: unknown[] = []
  app.on('stateChange', (state) => states.push({ state, at: Date.now() }))
  app.on('error', (error) => errors.push(error))
  t.after(() => app.close({ timeoutMs: 20_000 }))
  await app.start()
  await until(() => app.state === 'RUNNING', 60_000, 'RUNNING')

  // Orders for the known customers, and new customers (each key written once) for the global table.
  const load = new FlowingLoad(client, (n) => [
    { topic: ORDERS, key: text(`c${n % CUSTOMERS}`), value: text(`o${n}`), timestamp: Date.now() },
    { topic: NAMES, key: text(`u${n}`), value: text(`update ${n}`), timestamp: Date.now() },
  ])
  t.after(() => load.stop())
  await until(() => app.store<string, string>('customers').get('u20') !== undefined, 60_000, 'global updates arriving')

  // Down 5 s plus the relaunch (~10-15 s: log recovery after a kill -9), longer than kafkajs's
  // own retries, so the global thread's reads fail and are retried by it.
  // From before the kill: the app may see its connections reset while kill() waits for the process to go.
  const killedAt = Date.now()
  await broker.kill()
  await sleep(5000)
  await broker.restart()
  const restartedAt = Date.now()
  // The outage takes the instance out of RUNNING (its tasks closed dirty, a rejoin); then back.
  const backAfterOutage = (): boolean => {
    const left = states.findIndex((s) => s.at >= killedAt && s.state === 'REBALANCING')
    return left >= 0 && states.slice(left).some((s) => s.state === 'RUNNING') && app.state === 'RUNNING'
  }
  await until(backAfterOutage, 120_000, 'RUNNING again after the relaunch').catch((error: Error) => {
    throw new Error(`${error.message}; states: ${states.map((s) => `${s.state}@${s.at - killedAt}ms`).join(' → ')}; now ${app.state}`)
  })
  t.diagnostic(`broker down ${Math.round((restartedAt - killedAt) / 1000)} s; RUNNING again ${Math.round((Date.now() - restartedAt) / 1000)} s after the relaunch`)
  const sentAtRestart = load.sent
  await until(() => load.sent >= sentAtRestart + 20, 60_000, 'load flowing again')
  await load.stop()

  // The truth is what the input topics hold (a send that failed during the outage may have landed).
  const orders = (await readAll(ORDERS)).map((r) => r.value!.toString())
  const updates = new Map((await readAll(NAMES)).map((r) => [r.key!.toString(), r.value!.toString()]))
  await until(async () => (await readAll(OUT, 'read_committed')).length >= orders.length, 60_000, 'every order joined')
  await until(() => [...updates].every(([k, v]) => app.store<string, string>('customers').get(k) === v), 60_000, 'every update in the global store')

  const joined = (await readAll(OUT, 'read_committed')).map((r) => r.value!.toString().split('|')[0]!)
  const once = new Set(joined)
  t.diagnostic(`orders ${orders.length} (${load.failed / 2} sends failed during the outage), joined ${joined.length}, global updates ${updates.size}`)
  t.diagnostic(`global thread warnings during the outage: ${logs.filter((l) => l.includes('Global stream thread')).length}; states: ${states.map((s) => s.state).join(' → ')}`)
  assert.deepEqual(errors, [], 'no error emitted')
  assert.ok(!states.some((s) => s.state === 'ERROR' || s.state === 'PENDING_ERROR'), 'never in ERROR')
  assert.ok(logs.some((l) => l.includes('Global stream thread: retriable client error')), 'the global stream thread met the outage (and waited it out)')
  for (const order of orders) assert.ok(once.has(order), `${order} joined`)
  assert.equal(joined.length, once.size, 'exactly-once: no order joined twice')
  assert.equal(once.size, new Set(orders).size)
})
