import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { silentLogger } from '../../src/instrumentation/logger.ts'
import type { Processor, ProcessorContext } from '../../src/processors/processor.ts'
import { Record } from '../../src/processors/record.ts'
import { IllegalStateError, TopicLayoutError } from '../../src/runtime/errors.ts'
import { KafkaStreams } from '../../src/runtime/kafka-streams.ts'
import type { StreamsConfig } from '../../src/runtime/streams-config.ts'
import type { StreamsState } from '../../src/runtime/streams-state.ts'
import { ProcessingError } from '../../src/runtime/task/errors.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import type { KeyValueStore } from '../../src/state/store.ts'
import { Stores } from '../../src/state/stores.ts'
import { Topology } from '../../src/topology/topology.ts'
import { closeAfter, waitFor } from './helpers.ts'

const base = (kafka: ReturnType<typeof createEmbeddedKafka>, extra: Partial<StreamsConfig> = {}): StreamsConfig => ({
  applicationId: 'app',
  client: kafka,
  stateDir: '/tmp/kstreams-runtime-unused',
  logger: silentLogger,
  pollMs: 10,
  commitIntervalMs: 20,
  ...extra,
})

/** Upper-cases values; throws on the value "boom" (every time, or only the first `failures` times). */
function upperTopology(failures = Number.POSITIVE_INFINITY): Topology {
  let failed = 0
  const t = new Topology()
  t.addSource('in', 'in', { keySerde: Serdes.string(), valueSerde: Serdes.string() })
  t.addProcessor(
    'upper',
    (): Processor<string, string, string, string> => {
      let ctx: ProcessorContext<string, string>
      return {
        init: (c) => void (ctx = c),
        process(record) {
          if (record.value === 'boom' && failed < failures) {
            failed++
            throw new Error('boom!')
          }
          ctx.forward(record.withValue(record.value.toUpperCase()))
        },
      }
    },
    'in',
  )
  t.addSink('out', 'out', { keySerde: Serdes.string(), valueSerde: Serdes.string() }, 'upper')
  return t
}

async function send(kafka: ReturnType<typeof createEmbeddedKafka>, topic: string, values: string[]): Promise<void> {
  const p = kafka.producer({})
  await p.connect()
  await p.send(values.map((v, i) => ({ topic, key: Buffer.from(`k${i}`), value: Buffer.from(v), timestamp: 1 })))
}

const outValues = (kafka: ReturnType<typeof createEmbeddedKafka>) => kafka.records('out').map((r) => r.value!.toString())

test('a co-partition mismatch fails start() with a clear message and ends in ERROR', async () => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('orders', 3)
  kafka.createTopic('customers', 4)
  const t = new Topology()
  t.addSource('o', 'orders')
  t.addSource('c', 'customers')
  t.addProcessor('join', () => ({ process() {} }), 'o', 'c')
  t.copartition(['orders', 'customers'])
  const streams = new KafkaStreams(t, base(kafka))
  const errors: unknown[] = []
  streams.on('error', (e) => errors.push(e))
  await assert.rejects(streams.start(), (error: unknown) => {
    assert.ok(error instanceof TopicLayoutError)
    assert.match(error.message, /Topics not co-partitioned: \[customers=4, orders=3\]/)
    return true
  })
  assert.equal(streams.state, 'ERROR')
  assert.equal(errors.length, 1)
  assert.equal(await streams.close(), true)
})

test('a processing error moves the instance to ERROR and is emitted, without crashing the process', async (t) => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('in', 1)
  const streams = new KafkaStreams(upperTopology(), base(kafka))
  closeAfter(t, streams)
  const states: StreamsState[] = []
  const errors: unknown[] = []
  streams.on('stateChange', (s) => states.push(s))
  streams.on('error', (e) => errors.push(e))
  await streams.start()
  await send(kafka, 'in', ['a', 'boom', 'c'])
  await waitFor(() => streams.state === 'ERROR', 5000, 'ERROR state')
  assert.deepEqual(states.slice(-2), ['PENDING_ERROR', 'ERROR'])
  assert.equal(errors.length, 1)
  assert.ok(errors[0] instanceof ProcessingError)
  assert.match((errors[0] as Error).message, /node "upper".*topic "in" partition 0 offset 1.*boom!/)
  // The instance left the group, so another one can take over.
  assert.deepEqual(kafka.group('app').memberIds(), [])
  assert.equal(await streams.close(), true)
  assert.equal(streams.state, 'ERROR')
})

test('the processing error policy "continue" skips the failing record', async (t) => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('in', 1)
  const streams = new KafkaStreams(upperTopology(), base(kafka, { processingExceptionHandler: 'continue' }))
  closeAfter(t, streams)
  await streams.start()
  await send(kafka, 'in', ['a', 'boom', 'c'])
  await waitFor(() => outValues(kafka).length === 2, 5000, 'output')
  assert.deepEqual(outValues(kafka), ['A', 'C'])
  assert.equal(streams.state, 'RUNNING')
})

test('replace_thread: a failed thread is replaced and processing resumes from the last commit', async (t) => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('in', 1)
  const seen: unknown[] = []
  const streams = new KafkaStreams(
    upperTopology(1),
    base(kafka, {
      uncaughtExceptionHandler: (e) => {
        seen.push(e)
        return 'replace_thread'
      },
    }),
  )
  closeAfter(t, streams)
  streams.on('error', () => {})
  await streams.start()
  await send(kafka, 'in', ['a', 'boom', 'c'])
  await waitFor(() => outValues(kafka).includes('C'), 5000, 'output after replacement')
  assert.equal(seen.length, 1)
  assert.equal(streams.state, 'RUNNING')
  assert.deepEqual(outValues(kafka).filter((v) => v !== 'A'), ['BOOM', 'C'])
})

test('lifecycle rules: start once, close before start, invalid config', async () => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('in', 1)
  const idle = new KafkaStreams(upperTopology(), base(kafka))
  assert.equal(await idle.close(), true)
  assert.equal(idle.state, 'NOT_RUNNING')
  await assert.rejects(idle.start(), IllegalStateError)

  assert.throws(() => new KafkaStreams(upperTopology(), base(kafka, { kafka: { brokers: ['127.0.0.1:9092'] } })), /either `client`.*or `kafka`/)
  assert.throws(() => new KafkaStreams(upperTopology(), { applicationId: 'x', kafka: { brokers: [] } }), /kafka.brokers/)
  assert.throws(() => new KafkaStreams(upperTopology(), base(kafka, { applicationServer: 'no-port' })), /applicationServer/)
  assert.throws(() => new KafkaStreams(upperTopology(), base(kafka, { numStandbyReplicas: -1 })), /numStandbyReplicas/)
  assert.throws(() => new KafkaStreams(upperTopology(), base(kafka, { applicationId: 'bad id' })), /applicationId/)
  assert.throws(() => new KafkaStreams(upperTopology(), base(kafka, { processingGuarantee: 'maybe' as never })), /processingGuarantee/)

  const streams = new KafkaStreams(upperTopology(), base(kafka))
  streams.on('stateChange', () => {
    throw new Error('listener bug')
  })
  await streams.start()
  await assert.rejects(streams.start(), IllegalStateError)
  await waitFor(() => streams.state === 'RUNNING', 5000, 'running despite a throwing listener')
  assert.equal(await streams.close({ timeoutMs: 2000 }), true)
})

test('a global store is loaded before processing and read by every task', async (t) => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('names', 2)
  kafka.createTopic('events', 3)
  await send(kafka, 'names', ['ada', 'grace'])
  const topology = new Topology()
  topology.addGlobalStore(
    Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('names-store'), Serdes.string(), Serdes.string()).withLoggingDisabled(),
    'names-source',
    'names',
    { keySerde: Serdes.string(), valueSerde: Serdes.string() },
    'names-updater',
    () => {
      let store: KeyValueStore<string, string>
      return {
        init: (ctx) => void (store = ctx.getStateStore('names-store')),
        process: (record) => store.put(record.key as string, record.value as string),
      }
    },
  )
  topology.addSource('events', 'events', { keySerde: Serdes.string(), valueSerde: Serdes.string() })
  topology.addProcessor(
    'enrich',
    (): Processor<string, string, string, string> => {
      let ctx: ProcessorContext<string, string>
      let names: KeyValueStore<string, string>
      return {
        init(c) {
          ctx = c
          names = c.getStateStore('names-store')
        },
        process: (record) => ctx.forward(new Record(record.key, `${record.value}:${names.get(record.key) ?? '?'}`, record.timestamp)),
      }
    },
    'events',
  )
  topology.addSink('out', 'out', { keySerde: Serdes.string(), valueSerde: Serdes.string() }, 'enrich')
  const streams = new KafkaStreams(topology, base(kafka))
  closeAfter(t, streams)
  await streams.start()
  await send(kafka, 'events', ['login', 'logout', 'login'])
  await waitFor(() => outValues(kafka).length === 3, 5000, 'enriched')
  assert.deepEqual(outValues(kafka).sort(), ['login:?', 'login:ada', 'logout:grace'])
  // Updates of the global topic arrive while running.
  await send(kafka, 'names', ['ada-lovelace', 'grace', 'alan'])
  await waitFor(() => streams.store<string, string>('names-store').get('k2') === 'alan', 5000, 'global update')
  assert.equal(streams.store<string, string>('names-store').get('k0'), 'ada-lovelace')
})

test('close() during start() waits for the start, then shuts down cleanly', async () => {
  const kafka = createEmbeddedKafka()
  kafka.createTopic('in', 2)
  const streams = new KafkaStreams(upperTopology(), base(kafka))
  const starting = streams.start()
  const closed = streams.close({ timeoutMs: 5000 })
  await starting
  assert.equal(await closed, true)
  assert.equal(streams.state, 'NOT_RUNNING')
  assert.deepEqual(kafka.group('app').memberIds(), [], 'the consumer the start created left the group')
})
