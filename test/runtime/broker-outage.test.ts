// Retriable client errors (an unreachable broker) close the tasks dirty and rejoin within
// taskTimeoutMs, instead of being fatal (Kafka Streams' task.timeout.ms; chaos broker-bounce).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createEmbeddedKafka, type EmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { KafkaClientError } from '../../src/client/errors.ts'
import type { ConsumerConfig, KafkaClient, Producer, ProducerConfig } from '../../src/client/port.ts'
import { silentLogger } from '../../src/instrumentation/logger.ts'
import { KafkaStreams } from '../../src/runtime/kafka-streams.ts'
import type { StreamsConfig } from '../../src/runtime/streams-config.ts'
import type { StreamsState } from '../../src/runtime/streams-state.ts'
import { TaskTimeoutError } from '../../src/runtime/task-timeout.ts'
import { INPUT, closeAfter, emittedCounts, expectedCounts, latestCounts, produceLines, tempStateDir, waitFor, wordCountTopology } from './helpers.ts'

/**
 * The embedded cluster with its producers behind a switch: while `down`, every producer call
 * that would reach the broker fails as kafkajs's does once its retries are exhausted on a refused
 * connection (a retriable `KafkaClientError`). Consumers and readers keep working.
 */
class ProducersUnreachable implements KafkaClient {
  down = false
  failures = 0
  readonly #kafka: EmbeddedKafka

  constructor(kafka: EmbeddedKafka) {
    this.#kafka = kafka
  }

  admin() {
    return this.#kafka.admin()
  }
  consumer(config: ConsumerConfig) {
    return this.#kafka.consumer(config)
  }
  partitionReader(config: { readonly isolationLevel: 'read_committed' | 'read_uncommitted' }) {
    return this.#kafka.partitionReader(config)
  }
  partitionFor(key: Buffer, numPartitions: number) {
    return this.#kafka.partitionFor(key, numPartitions)
  }

  producer(config: ProducerConfig): Producer {
    const producer = this.#kafka.producer(config)
    const reach = <T>(call: () => Promise<T>, what: string): Promise<T> => {
      if (!this.down) return call()
      this.failures++
      return Promise.reject(new KafkaClientError(`${what}: Connection error: connect ECONNREFUSED (simulated outage)`, { retriable: true }))
    }
    return {
      connect: () => reach(() => producer.connect(), 'producer connect'),
      send: (records) => reach(() => producer.send(records), 'send'),
      beginTransaction: () => producer.beginTransaction(),
      sendOffsets: (groupId, offsets) => reach(() => producer.sendOffsets(groupId, offsets), 'sendOffsets'),
      commitTransaction: () => producer.commitTransaction(),
      abortTransaction: () => producer.abortTransaction(),
      close: () => producer.close(),
    }
  }
}

function outageApp(client: KafkaClient, stateDir: string, extra: Partial<StreamsConfig> = {}): { app: KafkaStreams; states: StreamsState[] } {
  const app = new KafkaStreams(wordCountTopology({ persistent: true }), {
    applicationId: 'wordcount-outage',
    client,
    stateDir,
    logger: silentLogger,
    commitIntervalMs: 50,
    pollMs: 20,
    ...extra,
  })
  const states: StreamsState[] = []
  app.on('stateChange', (next) => states.push(next))
  return { app, states }
}

const sequence = (n: number) => Array.from({ length: n }, (_, i) => i + 1)
const batch1 = ['apple banana', 'banana cherry', 'apple apple']
const batch2 = ['banana durian', 'elderberry apple', 'durian durian']

for (const guarantee of ['exactly_once', 'at_least_once'] as const) {
  test(`${guarantee}: sends failing while the broker is unreachable close the tasks dirty; processing resumes when it is back`, async (t) => {
    using state = tempStateDir()
    const kafka = createEmbeddedKafka({ sessionTimeoutMs: 1000, rebalanceTimeoutMs: 1000 })
    kafka.createTopic(INPUT, 2)
    const cluster = new ProducersUnreachable(kafka)
    const { app, states } = outageApp(cluster, state.dir, { processingGuarantee: guarantee })
    closeAfter(t, app)
    await app.start()
    await produceLines(kafka, batch1)
    await waitFor(() => latestCounts(kafka, 'read_committed').get('apple') === 3, 5000, 'batch 1 committed')

    cluster.down = true
    await produceLines(kafka, batch2)
    // Several failures: the sends, then the re-created tasks' producers failing to initialise.
    await waitFor(() => cluster.failures >= 3, 10_000, 'failures while the broker is down')
    assert.notEqual(app.state, 'ERROR')
    cluster.down = false

    const expected = expectedCounts([...batch1, ...batch2])
    await waitFor(() => {
      const latest = latestCounts(kafka, 'read_committed')
      return [...expected].every(([w, n]) => (latest.get(w) ?? 0) >= n)
    }, 20_000, 'everything counted once the broker is back')
    await waitFor(() => app.state === 'RUNNING', 10_000, 'RUNNING again')
    assert.ok(!states.includes('ERROR') && !states.includes('PENDING_ERROR'), `states: ${states.join(' → ')}`)
    assert.ok(states.lastIndexOf('REBALANCING') > states.indexOf('RUNNING'), 'the outage went through a rebalance')
    await app.close()
    if (guarantee === 'exactly_once') {
      // The abandoned transactions never became visible: every count exactly once, in order.
      const emitted = emittedCounts(kafka, 'read_committed')
      for (const [word, counts] of emitted) assert.deepEqual(counts, sequence(expected.get(word)!), word)
      assert.deepEqual(latestCounts(kafka, 'read_committed'), expected)
    }
  })
}

test('retriable failures that outlast taskTimeoutMs are fatal: ERROR with a TaskTimeoutError', async (t) => {
  using state = tempStateDir()
  const kafka = createEmbeddedKafka({ sessionTimeoutMs: 1000, rebalanceTimeoutMs: 1000 })
  kafka.createTopic(INPUT, 2)
  const cluster = new ProducersUnreachable(kafka)
  const { app } = outageApp(cluster, state.dir, { processingGuarantee: 'exactly_once', taskTimeoutMs: 0 })
  const errors: unknown[] = []
  app.on('error', (error) => errors.push(error))
  closeAfter(t, app)
  await app.start()
  await produceLines(kafka, batch1)
  await waitFor(() => latestCounts(kafka, 'read_committed').get('apple') === 3, 5000, 'batch 1 committed')
  cluster.down = true
  await produceLines(kafka, batch2)
  await waitFor(() => app.state === 'ERROR', 10_000, 'ERROR')
  assert.equal(errors.length, 1)
  assert.ok(errors[0] instanceof TaskTimeoutError, String(errors[0]))
  assert.ok((errors[0] as Error).cause instanceof KafkaClientError)
})
