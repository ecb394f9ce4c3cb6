/**
 * Routed interactive queries over two instances of one application: every key asked through
 * either instance's HTTP server comes back with the right count, answered by the instance that
 * owns the key's partition (half of them by the other one, forwarded), and `/all` gathers the
 * store from both. Once on the embedded broker, once on the real one (skipped with the reason
 * when no broker answers; a failure under CI=true).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import type { KafkaClient } from '../../src/client/port.ts'
import { StreamsHttpServer } from '../../src/http/index.ts'
import { silentLogger } from '../../src/instrumentation/logger.ts'
import { KafkaStreams } from '../../src/runtime/kafka-streams.ts'
import type { StreamsConfig } from '../../src/runtime/streams-config.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { brokers, createTopics, deleteTopics, expectedCounts, keyedRecords, produce, requireServices, skip, unique } from '../integration/runtime/broker.ts'
import { get } from './fetch.ts'

const PARTITIONS = 6
const KEYS = 60
const RECORDS = 600

function countingTopology(input: string) {
  const builder = new StreamsBuilder()
  builder.stream(input, { key: Serdes.string(), value: Serdes.string() }).groupByKey().count({ storeName: 'counts' })
  return builder.build()
}

interface Instance {
  readonly streams: KafkaStreams
  readonly server: StreamsHttpServer
  readonly address: string
}

/** Two instances, each advertising its own HTTP server as its applicationServer. */
async function twoInstances(t: { after(fn: () => Promise<void> | void): void }, input: string, config: Omit<StreamsConfig, 'applicationServer' | 'stateDir'>, token?: string): Promise<Instance[]> {
  const out: Instance[] = []
  for (let i = 0; i < 2; i++) {
    const stateDir = mkdtempSync(join(tmpdir(), 'kstreams-http-'))
    const server = new StreamsHttpServer(token === undefined ? {} : { token })
    const address = await server.listen()
    const streams = new KafkaStreams(countingTopology(input), { ...config, stateDir, applicationServer: address })
    server.attach(streams)
    t.after(async () => {
      await streams.close({ timeoutMs: 10_000 })
      await server.close()
      rmSync(stateDir, { recursive: true, force: true })
    })
    out.push({ streams, server, address })
  }
  for (const x of out) await x.streams.start()
  return out
}

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (ok(value)) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(value).slice(0, 500)}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Waits for a balanced assignment and every key counted, then checks every key through both servers. */
async function checkRoutedQueries(t: { diagnostic(message: string): void }, instances: Instance[], expected: Map<string, number>, timeoutMs: number, headers: { [name: string]: string } = {}): Promise<void> {
  await eventually(async () => instances.map((x) => [x.streams.state, x.streams.activeTasks().length]),
    (s) => s.every(([state, n]) => state === 'RUNNING' && n === PARTITIONS / 2), timeoutMs, 'both instances RUNNING with 3 tasks each')
  const all = await eventually(() => get(instances[0]!.server.url, '/stores/counts/all', headers),
    (a) => a.status === 200 && a.json.count === expected.size && a.json.entries.every((e: { key: string; value: number }) => e.value === expected.get(e.key)),
    timeoutMs, 'every key counted, as /all through instance 1 sees it')
  // /all gathered both instances' local stores, each entry naming where it came from.
  assert.deepEqual([...all.json.servedBy].sort(), instances.map((x) => x.address).sort())
  const fromEach = new Map(instances.map((x) => [x.address, all.json.entries.filter((e: { servedBy: string }) => e.servedBy === x.address).length]))
  for (const [address, n] of fromEach) assert.ok(n > 0, `${address} contributed entries to /all`)
  assert.deepEqual(all.json.entries.map((e: { key: string }) => e.key), [...expected.keys()].sort())

  for (const asked of instances) {
    let forwarded = 0
    for (const [key, count] of expected) {
      const answer = await get(asked.server.url, `/stores/counts/${encodeURIComponent(key)}`, headers)
      assert.equal(answer.status, 200, `${key} via ${asked.address}: ${answer.text}`)
      assert.equal(answer.json.value, count, `${key} via ${asked.address}`)
      const owner = asked.streams.queryMetadataForKey('counts', key, Serdes.string())!.activeHost!
      assert.equal(answer.json.servedBy, `${owner.host}:${owner.port}`, `${key} answered by its owner`)
      assert.equal(answer.headers.get('x-kstreams-served-by'), answer.json.servedBy)
      if (answer.json.servedBy !== asked.address) forwarded++
    }
    // Three of six partitions are the other instance's: about half the keys are forwarded.
    t.diagnostic(`${asked.address}: ${forwarded} of ${KEYS} keys answered by the other instance`)
    assert.ok(forwarded >= KEYS / 4 && forwarded <= (KEYS * 3) / 4, `${asked.address} forwarded ${forwarded} of ${KEYS} keys`)
  }
  // A range across both instances, merged in key order.
  const range = await get(instances[1]!.server.url, '/stores/counts?from=key-1&to=key-2', headers)
  const inRange = [...expected.keys()].filter((k) => k >= 'key-1' && k <= 'key-2').sort()
  assert.deepEqual(range.json.entries.map((e: { key: string }) => e.key), inRange)
}

describe('routed interactive queries across two instances', () => {
  test('on the embedded broker, with a bearer token every instance shares', async (t) => {
    const kafka: KafkaClient & { createTopic(name: string, partitions: number): void } = createEmbeddedKafka()
    kafka.createTopic('clicks', PARTITIONS)
    const instances = await twoInstances(t, 'clicks', { applicationId: 'http-routed', client: kafka, logger: silentLogger, commitIntervalMs: 50, pollMs: 20 }, 'shared-token')
    const producer = kafka.producer({})
    await producer.connect()
    await producer.send(keyedRecords('clicks', RECORDS, KEYS))
    await producer.close()
    const auth = { authorization: 'Bearer shared-token' }
    await checkRoutedQueries(t, instances, expectedCounts(RECORDS, KEYS), 20_000, auth)

    // The other instance's HTTP server gone (its KafkaStreams still running): its keys are a 503 to retry.
    const [first, second] = instances as [Instance, Instance]
    await second.server.close()
    const theirs = [...expectedCounts(RECORDS, KEYS).keys()].find((k) => {
      const owner = first.streams.queryMetadataForKey('counts', k, Serdes.string())?.activeHost
      return owner !== undefined && `${owner.host}:${owner.port}` === second.address
    })!
    const unreachable = await get(first.server.url, `/stores/counts/${theirs}`, auth)
    assert.equal(unreachable.status, 503)
    assert.equal(unreachable.headers.get('retry-after'), '1')
    assert.match(unreachable.json.error, new RegExp(`instance ${second.address} is unreachable`))
    assert.equal((await get(first.server.url, '/stores/counts/all', auth)).status, 503)
  })

  test('on the real broker', { skip, timeout: 120_000 }, async (t) => {
    requireServices()
    const applicationId = unique('http-routed')
    const input = `${applicationId}-in`
    await createTopics([{ name: input, partitions: PARTITIONS }])
    t.after(() => deleteTopics([input, `${applicationId}-counts-changelog`]))
    const instances = await twoInstances(t, input, {
      applicationId,
      kafka: {
        brokers,
        clientId: applicationId,
        connectionTimeout: 3000,
        consumer: { sessionTimeout: 6000, rebalanceTimeout: 20_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 },
      },
      logger: silentLogger,
      commitIntervalMs: 200,
    })
    await produce(keyedRecords(input, RECORDS, KEYS), { batch: 200 })
    await checkRoutedQueries(t, instances, expectedCounts(RECORDS, KEYS), 90_000)
  })
})
