// The global stream thread waits out retriable client errors within taskTimeoutMs (Kafka Streams'
// KIP-572), at start-up and while running; meanwhile the stream threads go on with the global
// store as of its last read. Past taskTimeoutMs, or on a non-retriable error, the instance fails.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createEmbeddedKafka, type EmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { KafkaClientError } from '../../src/client/errors.ts'
import type { Admin, ConsumerConfig, KafkaClient, PartitionReader, ProducerConfig } from '../../src/client/port.ts'
import { silentLogger } from '../../src/instrumentation/logger.ts'
import type { Processor, ProcessorContext } from '../../src/processors/processor.ts'
import { Record } from '../../src/processors/record.ts'
import { KafkaStreams } from '../../src/runtime/kafka-streams.ts'
import type { StreamsConfig } from '../../src/runtime/streams-config.ts'
import type { StreamsState } from '../../src/runtime/streams-state.ts'
import { TaskTimeoutError } from '../../src/runtime/task-timeout.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import type { KeyValueStore } from '../../src/state/store.ts'
import { Stores } from '../../src/state/stores.ts'
import { Topology } from '../../src/topology/topology.ts'
import { closeAfter, tempStateDir, waitFor } from './helpers.ts'

const NAMES = 'gl-names'
const ORDERS = 'gl-orders'
const OUT = 'gl-enriched'
const KEYS = ['k0', 'k1', 'k2', 'k3']

/**
 * The embedded cluster with the global topic behind a switch: while `down`, every call that asks
 * about it (its description, its end offsets, reading it) fails as kafkajs's calls do against an
 * unreachable broker — a retriable `KafkaClientError`, or `error` if set. The stream threads'
 * topics stay reachable, so they can be seen to go on.
 */
class GlobalTopicUnreachable implements KafkaClient {
  down = false
  failures = 0
  error: (what: string) => KafkaClientError = (what) => new KafkaClientError(`${what}: Connection error: connect ECONNREFUSED (simulated outage)`, { retriable: true })
  readonly #kafka: EmbeddedKafka

  constructor(kafka: EmbeddedKafka) {
    this.#kafka = kafka
  }

  #reach<T>(topics: ReadonlyArray<string>, what: string, call: () => Promise<T>): Promise<T> {
    if (!this.down || !topics.includes(NAMES)) return call()
    this.failures++
    return Promise.reject(this.error(what))
  }

  admin(): Admin {
    const admin = this.#kafka.admin()
    return {
      createTopics: (topics) => admin.createTopics(topics),
      // Only the global thread asks about the global topic alone; the start's topic checks stay reachable.
      describeTopics: (names) => (names.length === 1 ? this.#reach(names, 'describeTopics', () => admin.describeTopics(names)) : admin.describeTopics(names)),
      deleteTopics: (names) => admin.deleteTopics(names),
      endOffsets: (partitions) => this.#reach(partitions.map((p) => p.topic), 'endOffsets', () => admin.endOffsets(partitions)),
      committedOffsets: (groupId, partitions) => admin.committedOffsets(groupId, partitions),
      close: () => admin.close(),
    }
  }
  consumer(config: ConsumerConfig) {
    return this.#kafka.consumer(config)
  }
  producer(config: ProducerConfig) {
    return this.#kafka.producer(config)
  }
  partitionReader(config: { readonly isolationLevel: 'read_committed' | 'read_uncommitted' }): PartitionReader {
    const reader = this.#kafka.partitionReader(config)
    const cluster = this
    return {
      async *read(tp, from, to) {
        await cluster.#reach([tp.topic], `read ${tp.topic}-${tp.partition}`, async () => undefined)
        yield* reader.read(tp, from, to)
      },
      close: () => reader.close(),
    }
  }
  partitionFor(key: Buffer, numPartitions: number) {
    return this.#kafka.partitionFor(key, numPartitions)
  }
}

/**
 * A global store that keeps every update of a key, in the order applied (`v1,v2`), so an update
 * applied twice or skipped shows; orders are enriched with their key's latest name.
 */
function enrichTopology(): Topology {
  const t = new Topology()
  t.addGlobalStore(
    Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore('names-log'), Serdes.string(), Serdes.string()).withLoggingDisabled(),
    'names-source',
    NAMES,
    { keySerde: Serdes.string(), valueSerde: Serdes.string() },
    'names-updater',
    () => {
      let store: KeyValueStore<string, string>
      return {
        init: (ctx) => void (store = ctx.getStateStore('names-log')),
        process: (record) => {
          const before = store.get(record.key as string)
          store.put(record.key as string, before === undefined ? (record.value as string) : `${before},${record.value as string}`)
        },
      }
    },
  )
  t.addSource('orders', ORDERS, { keySerde: Serdes.string(), valueSerde: Serdes.string() })
  t.addProcessor(
    'enrich',
    (): Processor<string, string, string, string> => {
      let ctx: ProcessorContext<string, string>
      let names: KeyValueStore<string, string>
      return {
        init(c) {
          ctx = c
          names = c.getStateStore('names-log')
        },
        process: (r) => ctx.forward(new Record(r.key, `${r.value}:${names.get(r.key)?.split(',').at(-1) ?? '?'}`, r.timestamp)),
      }
    },
    'orders',
  )
  t.addSink('out', OUT, { keySerde: Serdes.string(), valueSerde: Serdes.string() }, 'enrich')
  return t
}

function setUp(t: { after(fn: () => Promise<void>): void }, stateDir: string, config: Partial<StreamsConfig> = {}) {
  const kafka = createEmbeddedKafka()
  kafka.createTopic(NAMES, 2)
  kafka.createTopic(ORDERS, 2)
  const cluster = new GlobalTopicUnreachable(kafka)
  const app = new KafkaStreams(enrichTopology(), { applicationId: 'global-outage', client: cluster, stateDir, logger: silentLogger, commitIntervalMs: 50, pollMs: 20, ...config })
  const states: StreamsState[] = []
  const errors: unknown[] = []
  app.on('stateChange', (next) => states.push(next))
  app.on('error', (error) => errors.push(error))
  closeAfter(t, app)
  return { kafka, cluster, app, states, errors }
}

async function send(kafka: EmbeddedKafka, topic: string, entries: ReadonlyArray<[string, string]>): Promise<void> {
  const producer = kafka.producer({})
  await producer.connect()
  await producer.send(entries.map(([k, v]) => ({ topic, key: Buffer.from(k), value: Buffer.from(v), timestamp: Date.now() })))
  await producer.close()
}

const names = (version: string): Array<[string, string]> => KEYS.map((k) => [k, version])
const orders = (batch: string): Array<[string, string]> => KEYS.map((k) => [k, `${batch}-${k}`])
const enriched = (kafka: EmbeddedKafka): string[] => kafka.records(OUT).map((r) => r.value!.toString())
const namesLog = (app: KafkaStreams): Array<[string, string | undefined]> => KEYS.map((k) => [k, app.store<string, string>('names-log').get(k)])

test('an outage of the global topic shorter than taskTimeoutMs is waited out: tasks go on meanwhile, the store catches up, every update once', async (t) => {
  using state = tempStateDir()
  const { kafka, cluster, app, states } = setUp(t, state.dir)
  await send(kafka, NAMES, names('v1'))
  await app.start()
  await send(kafka, ORDERS, orders('a'))
  await waitFor(() => enriched(kafka).length === 4, 5000, 'batch a enriched')

  cluster.down = true
  await send(kafka, NAMES, names('v2'))
  await waitFor(() => cluster.failures >= 3, 10_000, 'the global thread failing three times')
  // The stream thread goes on, joining against the global store as of its last read.
  await send(kafka, ORDERS, orders('b'))
  await waitFor(() => enriched(kafka).length === 8, 5000, 'batch b enriched during the outage')
  assert.deepEqual(enriched(kafka).slice(4).sort(), KEYS.map((k) => `b-${k}:v1`))
  assert.deepEqual(namesLog(app), KEYS.map((k) => [k, 'v1']))
  assert.equal(app.state, 'RUNNING')

  cluster.down = false
  await waitFor(() => namesLog(app).every(([, v]) => v?.includes('v2')), 15_000, 'the global store caught up')
  assert.deepEqual(namesLog(app), KEYS.map((k) => [k, 'v1,v2']), 'every update applied, none twice')
  await send(kafka, ORDERS, orders('c'))
  await waitFor(() => enriched(kafka).length === 12, 5000, 'batch c enriched')
  assert.deepEqual(enriched(kafka).slice(8).sort(), KEYS.map((k) => `c-${k}:v2`))
  assert.ok(!states.includes('ERROR') && !states.includes('PENDING_ERROR'), `states: ${states.join(' → ')}`)
})

test('an outage during the global bootstrap holds start() until the global topic is read whole; nothing is processed before', async (t) => {
  using state = tempStateDir()
  const { kafka, cluster, app, states } = setUp(t, state.dir)
  await send(kafka, NAMES, names('v1'))
  await send(kafka, ORDERS, orders('a'))
  cluster.down = true
  let started = false
  const starting = app.start().then(() => void (started = true))
  await waitFor(() => cluster.failures >= 2, 10_000, 'the bootstrap failing twice')
  assert.equal(started, false)
  assert.equal(app.state, 'REBALANCING')
  assert.deepEqual(enriched(kafka), [])
  cluster.down = false
  await starting
  await waitFor(() => enriched(kafka).length === 4, 5000, 'batch a enriched')
  assert.deepEqual(enriched(kafka).sort(), KEYS.map((k) => `a-${k}:v1`), 'the orders saw the whole global table')
  assert.deepEqual(namesLog(app), KEYS.map((k) => [k, 'v1']))
  assert.ok(!states.includes('ERROR'), `states: ${states.join(' → ')}`)
})

test('close() during a bootstrap waiting out an outage does not wait for taskTimeoutMs: start() rejects, the instance ends NOT_RUNNING', async (t) => {
  using state = tempStateDir()
  const { cluster, app, states } = setUp(t, state.dir)
  cluster.down = true
  const starting = app.start()
  await waitFor(() => cluster.failures >= 1, 10_000, 'the bootstrap failing')
  assert.equal(await app.close({ timeoutMs: 10_000 }), true)
  await assert.rejects(starting, /^StreamsError: Closed while the global stream thread was waiting out a broker outage at start-up/)
  assert.equal(app.state, 'NOT_RUNNING')
  assert.ok(!states.includes('ERROR'), `states: ${states.join(' → ')}`)
})

test('an outage longer than taskTimeoutMs ends the instance in ERROR with a TaskTimeoutError naming the global stream thread', async (t) => {
  using state = tempStateDir()
  const { kafka, cluster, app, errors } = setUp(t, state.dir, { taskTimeoutMs: 1500 })
  await send(kafka, NAMES, names('v1'))
  await app.start()
  cluster.down = true
  await waitFor(() => app.state === 'ERROR', 20_000, 'ERROR')
  assert.equal(errors.length, 1)
  const error = errors[0] as Error
  assert.ok(error instanceof TaskTimeoutError, String(error))
  assert.match(error.message, /^The global stream thread made no progress for \d+ ms \(\d+ retriable failures\), longer than taskTimeoutMs 1500: .*ECONNREFUSED/)
  assert.ok(error.cause instanceof KafkaClientError)
  assert.ok(cluster.failures >= 2, `failures: ${cluster.failures}`)
})

test('a bootstrap that outlasts taskTimeoutMs fails start() with the TaskTimeoutError', async (t) => {
  using state = tempStateDir()
  const { cluster, app } = setUp(t, state.dir, { taskTimeoutMs: 0 })
  cluster.down = true
  await assert.rejects(app.start(), (error: Error) => error instanceof TaskTimeoutError && /^The global stream thread made no progress/.test(error.message))
  assert.equal(app.state, 'ERROR')
})

test('a non-retriable error in the global stream thread is fatal at once, with a message naming it', async (t) => {
  using state = tempStateDir()
  const { kafka, cluster, app, errors } = setUp(t, state.dir)
  cluster.error = (what) => new KafkaClientError(`${what}: Not authorized to access topics: [Topic authorization failed] (TOPIC_AUTHORIZATION_FAILED)`)
  await send(kafka, NAMES, names('v1'))
  await app.start()
  cluster.down = true
  await waitFor(() => app.state === 'ERROR', 10_000, 'ERROR')
  assert.equal(cluster.failures, 1, 'not retried')
  assert.equal(errors.length, 1)
  const error = errors[0] as Error
  assert.ok(!(error instanceof TaskTimeoutError))
  assert.match(error.message, /^The global stream thread failed reading gl-names: endOffsets: Not authorized/)
  assert.ok(error.cause instanceof KafkaClientError)
})
