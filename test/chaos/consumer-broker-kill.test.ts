// One consumer of the kafkajs adapter through a broker kill -9 and relaunch, with the runtime's
// answer to a retriable error (enforceRebalance: close the tasks dirty and rejoin) given all
// through the outage. Found by the broker-bounce chaos scenario (docs/chaos.md, finding 8):
// kafkajs restarted its crashed runner from a timer while the adapter had already started one,
// and the two members of one process took turns losing their sessions, for minutes. Afterwards
// the process must be exactly one member of its group, stay the same member, and get every record.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Kafka, logLevel } from 'kafkajs'
import { createKafkaJsClient } from '../../src/client/kafkajs/kafkajs-client.ts'
import { KafkaClientError } from '../../src/client/errors.ts'
import { integrationServices } from '../helpers/services.ts'
import { APP_KAFKA, FlowingLoad, ownBrokerForFile, until } from './own-broker.ts'

const services = await integrationServices()
const TOPIC = 'consumer-kill-input'
const GROUP = 'consumer-kill'
const SESSION_MS = APP_KAFKA.consumer.sessionTimeout

const fixture = ownBrokerForFile(() => services.ready())

test('a consumer through a broker kill -9, rejoining all the while: one member of its group afterwards, stable, every record delivered', { skip: services.skip, timeout: 240_000 }, async (t) => {
  const { broker, client, createTopics, readAll } = fixture()
  await createTopics([{ name: TOPIC, partitions: 4 }])
  const consumerClient = createKafkaJsClient({ brokers: broker.brokers, clientId: 'consumer-kill', ...APP_KAFKA })
  const consumer = consumerClient.consumer({
    groupId: GROUP,
    topics: [TOPIC],
    isolationLevel: 'read_committed',
    autoOffsetReset: 'earliest',
    rebalanceListener: { onPartitionsAssigned: () => {}, onPartitionsRevoked: () => {} },
  })
  await consumer.connect()
  const seen = new Set<string>()
  const fatal: unknown[] = []
  let polling = true
  // The stream thread's loop: poll; a retriable error is waited out, anything else ends it.
  const loop = (async () => {
    while (polling) {
      try {
        for (const r of await consumer.poll(200)) seen.add(r.value!.toString())
      } catch (error) {
        if (!(error instanceof KafkaClientError) || !error.retriable) {
          fatal.push(error)
          return
        }
        await sleep(200)
      }
    }
  })()
  const load = new FlowingLoad(client, (n) => Array.from({ length: 5 }, (_, i) => ({ topic: TOPIC, key: Buffer.from(`k${i}`), value: Buffer.from(`v${n * 5 + i}`), timestamp: Date.now() })))
  const admin = new Kafka({ brokers: [...broker.brokers], clientId: 'consumer-kill-observer', logLevel: logLevel.NOTHING }).admin()
  t.after(async () => {
    polling = false
    await load.stop()
    await loop
    await consumer.close().catch(() => {})
    await admin.disconnect().catch(() => {})
  })
  await until(() => seen.size >= 100, 60_000, 'records flowing')

  await broker.kill()
  // Every retriable error makes the runtime close its tasks dirty and rejoin; during an outage
  // that is many times, racing kafkajs's own crash handling.
  const rejoinUntil = Date.now() + 5000
  while (Date.now() < rejoinUntil) {
    consumer.enforceRebalance()
    await sleep(300)
  }
  const rejoining = (async () => {
    const stop = Date.now() + 4000
    while (Date.now() < stop) {
      consumer.enforceRebalance()
      await sleep(300)
    }
  })()
  await broker.restart()
  const restartedAt = Date.now()
  await rejoining
  await admin.connect()

  // Caught up: every record in the topic delivered (the load keeps flowing).
  await until(async () => {
    const values = (await readAll(TOPIC)).map((r) => r.value!.toString())
    return values.length > 0 && values.every((v) => seen.has(v))
  }, 120_000, 'every record in the topic delivered').catch((error: Error) => {
    throw new Error(`${error.message}: ${seen.size} seen; fatal ${fatal.map(String).join('; ')}`)
  })
  assert.deepEqual(fatal, [], 'the consumer never failed for good')

  // Members from before the kill are gone one session timeout after the relaunch.
  const settle = restartedAt + 2 * SESSION_MS - Date.now()
  if (settle > 0) await sleep(settle)
  // Stable: for three session timeouts, one member of this process, always the same one.
  const samples: string[][] = []
  const until3 = Date.now() + 3 * SESSION_MS
  while (Date.now() < until3) {
    const { groups } = await admin.describeGroups([GROUP])
    samples.push((groups[0]?.members ?? []).map((m) => `${m.clientId}/${m.memberId}`))
    await sleep(500)
  }
  const seenBefore = seen.size
  const ids = new Set(samples.flat())
  t.diagnostic(`${samples.length} samples over ${3 * SESSION_MS} ms; members seen: ${[...ids].join(', ')}; broker down ${Math.round((restartedAt - rejoinUntil + 5000) / 1000)} s`)
  assert.ok(samples.every((s) => s.length === 1), `exactly one member at every sample: ${JSON.stringify(samples.filter((s) => s.length !== 1).slice(0, 3))}`)
  assert.equal(ids.size, 1, `the same member throughout (no session lost, no rejoin): ${[...ids].join(', ')}`)
  const sentBefore = load.sent
  await until(() => seen.size > seenBefore, 30_000, 'records still delivered after the stability window').catch((error: Error) => {
    throw new Error(`${error.message}: load sent ${sentBefore} → ${load.sent} (${load.failed} failed), ${seen.size} seen`)
  })
})
