/**
 * The dead-letter queue in the runtime, on the embedded broker: the topic made at start, offsets
 * committed past dead letters, the exactly-once crash rule, fail-stop, and the replay.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createEmbeddedKafka, type EmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { silentLogger } from '../../src/instrumentation/logger.ts'
import { replayDeadLetters } from '../../src/runtime/dlq-replay.ts'
import { main as dlqCli } from '../../src/runtime/dlq-replay-cli.ts'
import { KafkaStreams, crashForTesting, testingHooks } from '../../src/runtime/kafka-streams.ts'
import type { StreamsConfig } from '../../src/runtime/streams-config.ts'
import { DeadLetterHeaders } from '../../src/runtime/task/dead-letter-queue.ts'
import { ProcessingError } from '../../src/runtime/task/errors.ts'
import { acceptTopology } from '../helpers/accept-topology.ts'
import { closeAfter, tempStateDir, waitFor } from './helpers.ts'

const IN = 'orders'
const OUT = 'accepted'

function shop(kafka: EmbeddedKafka, stateDir: string, poison: Set<string>, extra: Partial<StreamsConfig> & { [testingHooks]?: unknown } = {}): KafkaStreams {
  return new KafkaStreams(acceptTopology(IN, OUT, poison), {
    applicationId: 'shop',
    client: kafka,
    stateDir,
    logger: silentLogger,
    commitIntervalMs: 20,
    pollMs: 10,
    processingExceptionHandler: 'dlq',
    ...extra,
  } as StreamsConfig)
}

async function send(kafka: EmbeddedKafka, values: string[]): Promise<void> {
  const producer = kafka.producer({})
  await producer.connect()
  await producer.send(values.map((v) => ({ topic: IN, key: Buffer.from(`k-${v}`), value: Buffer.from(v), timestamp: 1000, headers: { origin: Buffer.from('test') } })))
  await producer.close()
}

const values = (kafka: EmbeddedKafka, topic: string, isolationLevel: 'read_committed' | 'read_uncommitted' = 'read_committed') =>
  kafka.records(topic, { isolationLevel }).map((r) => r.value?.toString() ?? null)

async function committed(kafka: EmbeddedKafka, group: string): Promise<number | undefined> {
  const admin = kafka.admin()
  const offsets = await admin.committedOffsets(group, [{ topic: IN, partition: 0 }])
  await admin.close()
  return offsets.get(`${IN}:0`)
}

test('at-least-once: <applicationId>-dlq is created at start; the dead letter lands, good records flow, the offset is committed past it', async (t) => {
  using state = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic(IN, 1)
  const app = shop(kafka, state.dir, new Set(['bad']))
  closeAfter(t, app)
  await app.start()
  assert.ok((await kafka.admin().describeTopics(['shop-dlq'])).has('shop-dlq'))
  await send(kafka, ['a', 'bad', 'b'])
  await waitFor(() => values(kafka, OUT).length === 2, 5000, 'the good records')
  await waitFor(() => values(kafka, 'shop-dlq').length === 1, 5000, 'the dead letter')
  await app.close()
  assert.deepEqual(values(kafka, OUT), ['a', 'b'])
  const [dead] = kafka.records('shop-dlq')
  assert.equal(dead!.value!.toString(), 'bad')
  assert.equal(dead!.headers.origin!.toString(), 'test')
  assert.equal(dead!.headers[DeadLetterHeaders.offset]!.toString(), '1')
  assert.equal(dead!.headers[DeadLetterHeaders.node]!.toString(), 'accept')
  assert.equal(await committed(kafka, 'shop'), 3)
})

test('an output record over the topic\'s own max.message.bytes is a production error of that record, not a refused batch', async (t) => {
  using state = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic(IN, 1)
  kafka.createTopic(OUT, 1, { 'max.message.bytes': '2000' })
  const app = shop(kafka, state.dir, new Set(), { productionExceptionHandler: 'dlq' })
  closeAfter(t, app)
  await app.start()
  await send(kafka, ['a', 'x'.repeat(5000), 'b'])
  await waitFor(() => values(kafka, OUT).length === 2 && values(kafka, 'shop-dlq').length === 1, 5000, 'the output and the dead letter')
  await app.close()
  assert.deepEqual(values(kafka, OUT), ['a', 'b'])
  const [dead] = kafka.records('shop-dlq')
  assert.equal(dead!.value!.length, 5000)
  assert.equal(dead!.headers[DeadLetterHeaders.node]!.toString(), 'accepted-sink')
  assert.match(dead!.headers[DeadLetterHeaders.message]!.toString(), /larger than max.message.bytes of topic "accepted" \(2000\)/)
})

test('exactly-once: killed after dead-lettering, before the commit, no dead letter is visible; after the restart exactly one', async (t) => {
  using state = tempStateDir()
  const kafka = createEmbeddedKafka({ sessionTimeoutMs: 300, rebalanceTimeoutMs: 300 })
  kafka.createTopic(IN, 1)
  let crashed = false
  const first = shop(kafka, state.dir, new Set(['bad']), {
    processingGuarantee: 'exactly_once',
    commitIntervalMs: 60_000,
    [testingHooks]: {
      // Step 2: the dead letter and the output are flushed into the open transaction.
      afterCommitStep: (step: number) => (step === 2 && kafka.records('shop-dlq').length > 0 ? (crashed = true) : false),
    },
  })
  closeAfter(t, first)
  await first.start()
  await send(kafka, ['a', 'bad', 'b'])
  await waitFor(() => values(kafka, 'shop-dlq', 'read_uncommitted').length === 1 && values(kafka, OUT, 'read_uncommitted').length === 2, 5000, 'the uncommitted writes')
  await first.close({ timeoutMs: 0 }) // its commit is the one that crashes
  await waitFor(() => crashed, 5000, 'the crash inside the commit')
  first[crashForTesting]()
  assert.deepEqual(values(kafka, 'shop-dlq'), [], 'nothing visible under read_committed')
  assert.deepEqual(values(kafka, OUT), [])

  const restarted = shop(kafka, state.dir, new Set(['bad']), { processingGuarantee: 'exactly_once' })
  closeAfter(t, restarted)
  await restarted.start()
  await waitFor(() => values(kafka, 'shop-dlq').length >= 1 && values(kafka, OUT).length >= 2, 10_000, 'the restarted instance\'s commit')
  await restarted.close()
  assert.deepEqual(values(kafka, 'shop-dlq'), ['bad'])
  assert.deepEqual(values(kafka, OUT), ['a', 'b'])
})

test('fail-stop: a handler that throws moves the instance to ERROR with the record and node named, once', async (t) => {
  using state = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic(IN, 1)
  let calls = 0
  const app = shop(kafka, state.dir, new Set(['bad']), { processingExceptionHandler: () => { calls++; throw new Error('handler bug') } })
  closeAfter(t, app)
  const errors: unknown[] = []
  app.on('error', (e) => errors.push(e))
  await app.start()
  await send(kafka, ['a', 'bad', 'b'])
  await waitFor(() => app.state === 'ERROR', 5000, 'ERROR')
  assert.equal(calls, 1)
  assert.equal(errors.length, 1)
  const error = errors[0]
  assert.ok(error instanceof ProcessingError)
  assert.equal(error.node, 'accept')
  assert.match(error.message, /topic "orders" partition 0 offset 1: cannot accept bad \(and the exception handler itself threw: handler bug\)/)
  assert.deepEqual(values(kafka, 'shop-dlq'), [])
})

test('replay: once the cause is fixed the dead letter is processed; a rerun sends nothing; a dry run only lists', async (t) => {
  using state = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic(IN, 1)
  const poison = new Set(['bad'])
  const app = shop(kafka, state.dir, poison, { processingGuarantee: 'exactly_once' })
  closeAfter(t, app)
  await app.start()
  await send(kafka, ['a', 'bad', 'b'])
  await waitFor(() => values(kafka, 'shop-dlq').length === 1 && values(kafka, OUT).length === 2, 5000, 'the dead letter')

  const dry = await replayDeadLetters({ client: kafka, applicationId: 'shop', dryRun: true })
  assert.equal(dry.sent, 1)
  assert.equal(dry.deadLetters[0]!.deadLetter.topic, IN)
  assert.equal(dry.deadLetters[0]!.deadLetter.offset, 1)
  assert.equal(values(kafka, IN).length, 3, 'a dry run sends nothing')

  poison.clear() // the fix
  const replay = await replayDeadLetters({ client: kafka, applicationId: 'shop' })
  assert.equal(replay.sent, 1)
  await waitFor(() => values(kafka, OUT).length === 3, 5000, 'the replayed record processed')
  assert.deepEqual(values(kafka, OUT), ['a', 'b', 'bad'])
  const replayed = kafka.records(IN)[3]!
  assert.equal(replayed.key!.toString(), 'k-bad')
  assert.deepEqual(Object.keys(replayed.headers), ['origin'], 'its own headers, not the dead-letter ones')

  const again = await replayDeadLetters({ client: kafka, applicationId: 'shop' })
  assert.equal(again.sent, 0)
  assert.equal(again.deadLetters.length, 0)
  await app.close()
  assert.deepEqual(values(kafka, OUT), ['a', 'b', 'bad'])
})

test('kstreams-dlq: usage errors exit 2 and name what is missing', async () => {
  const err: string[] = []
  assert.equal(await dlqCli(['replay', '--brokers', '127.0.0.1:1'], () => {}, (l) => void err.push(l)), 2)
  assert.match(err.join('\n'), /--application-id <id>/)
  assert.equal(await dlqCli(['--nope'], () => {}, () => {}), 2)
})
