import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { silentLogger } from '../../src/instrumentation/logger.ts'
import { KafkaStreams } from '../../src/runtime/kafka-streams.ts'
import type { Serde } from '../../src/serdes/serde.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { TopologyTestDriver } from '../../src/testing/topology-test-driver.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { TimeWindows } from '../../src/topology/dsl/time-windows.ts'
import type { Topology } from '../../src/topology/topology.ts'
import { closeAfter, tempStateDir, waitFor } from './helpers.ts'

// One topology, two engines: the TopologyTestDriver (synchronous, as if committing after every
// record) and KafkaStreams on the embedded broker (real poll/commit loop, repartition topics
// through the broker). With one partition per topic and no caching, both must emit the same
// records in the same order, with the same timestamps.

interface Case<KI, VI, KO, VO> {
  readonly build: () => Topology
  readonly input: string
  readonly inputSerdes: readonly [Serde<KI>, Serde<VI>]
  readonly records: ReadonlyArray<readonly [KI, VI | null, number]>
  readonly output: string
  readonly outputSerdes: readonly [Serde<KO>, Serde<VO>]
}

type Emitted = [key: unknown, value: unknown, timestamp: number]

function onDriver<KI, VI, KO, VO>(c: Case<KI, VI, KO, VO>): Emitted[] {
  const driver = new TopologyTestDriver(c.build(), { applicationId: 'same-output', logger: silentLogger })
  try {
    const input = driver.createInputTopic(c.input, c.inputSerdes[0], c.inputSerdes[1])
    for (const [key, value, timestamp] of c.records) input.pipeInput(key, value as VI, timestamp)
    return driver.createOutputTopic(c.output, c.outputSerdes[0], c.outputSerdes[1]).readRecordsToList().map((r) => [r.key, r.value, r.timestamp])
  } finally {
    driver.close()
  }
}

async function onEmbedded<KI, VI, KO, VO>(t: { after(fn: () => Promise<void>): void }, c: Case<KI, VI, KO, VO>, expected: number): Promise<Emitted[]> {
  using state = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic(c.input, 1)
  kafka.createTopic(c.output, 1)
  const streams = new KafkaStreams(c.build(), { applicationId: 'same-output', client: kafka, stateDir: state.dir, logger: silentLogger, commitIntervalMs: 5, pollMs: 5 })
  closeAfter(t, streams)
  let failure: unknown
  streams.on('error', (error) => (failure = error))
  await streams.start()
  const producer = kafka.producer({})
  await producer.connect()
  const [keySerde, valueSerde] = c.inputSerdes
  await producer.send(
    c.records.map(([key, value, timestamp]) => ({
      topic: c.input,
      key: key === null ? null : keySerde.serialize(c.input, key),
      value: value === null ? null : valueSerde.serialize(c.input, value),
      timestamp,
    })),
  )
  await producer.close()
  await waitFor(() => failure !== undefined || kafka.records(c.output).length >= expected, 10_000, `${expected} output records`)
  // A moment more, so an extra record the driver did not emit would show up too.
  await new Promise((resolve) => setTimeout(resolve, 100))
  assert.equal(await streams.close({ timeoutMs: 5000 }), true)
  assert.equal(failure, undefined)
  const [ko, vo] = c.outputSerdes
  return kafka.records(c.output).map((r) => [
    r.key === null ? null : ko.deserialize(c.output, r.key),
    r.value === null ? null : vo.deserialize(c.output, r.value),
    r.timestamp,
  ])
}

async function assertSameOutput<KI, VI, KO, VO>(t: { after(fn: () => Promise<void>): void }, c: Case<KI, VI, KO, VO>): Promise<Emitted[]> {
  const driven = onDriver(c)
  assert.ok(driven.length > 0)
  const embedded = await onEmbedded(t, c, driven.length)
  assert.deepEqual(embedded, driven)
  return driven
}

const str = Serdes.string()

test('word count (flatMapValues, groupBy with a repartition, count) emits the same on both engines', async (t) => {
  const out = await assertSameOutput(t, {
    build: () => {
      const builder = new StreamsBuilder()
      builder
        .stream('lines', { key: str, value: str })
        .flatMapValues((line) => line.toLowerCase().split(/\W+/).filter(Boolean))
        .groupBy((_key, word) => word)
        .count({ storeName: 'counts', storeType: 'memory' })
        .toStream()
        .to('word-counts', { key: str, value: Serdes.long() })
      return builder.build()
    },
    input: 'lines',
    inputSerdes: [str, str],
    records: [
      ['1', 'Hello world hello', 10],
      ['2', 'the world turns', 20],
      ['3', 'Hello again', 15],
      ['4', 'world', 30],
    ],
    output: 'word-counts',
    outputSerdes: [str, Serdes.long()],
  })
  assert.deepEqual(out.slice(0, 3), [['hello', 1, 10], ['world', 1, 10], ['hello', 2, 10]])
})

test('a table grouped by another key and aggregated (adder and subtractor, row moves and deletes) emits the same on both engines', async (t) => {
  const out = await assertSameOutput(t, {
    build: () => {
      const builder = new StreamsBuilder()
      builder
        .table('employees', { key: str, value: str, storeType: 'memory' })
        .groupBy((name, dept) => [dept.split(':')[0]!, Number(dept.split(':')[1])] as const)
        .aggregate(
          () => 0,
          (_dept, salary, total) => total + salary,
          (_dept, salary, total) => total - salary,
          { storeName: 'payroll', storeType: 'memory', value: Serdes.long() },
        )
        .toStream()
        .to('payroll', { key: str, value: Serdes.long() })
      return builder.build()
    },
    input: 'employees',
    inputSerdes: [str, str],
    records: [
      ['ann', 'eng:100', 1],
      ['bob', 'eng:80', 2],
      ['cid', 'ops:50', 3],
      ['bob', 'ops:90', 4], // moves from eng to ops with a raise
      ['ann', null, 5], // leaves
      ['cid', 'ops:55', 6],
    ],
    output: 'payroll',
    outputSerdes: [str, Serdes.long()],
  })
  assert.deepEqual(out.at(-1), ['ops', 145, 6])
})

test('a windowed count (tumbling windows, late record dropped) emits the same on both engines', async (t) => {
  const out = await assertSameOutput(t, {
    build: () => {
      const builder = new StreamsBuilder()
      builder
        .stream('clicks', { key: str, value: str })
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeWithNoGrace(100))
        .count({ storeName: 'clicks-per-window', storeType: 'memory' })
        .toStream()
        .map((windowed, count) => [`${windowed.key}@${windowed.window.start}` as string, count] as const)
        .to('clicks-per-window', { key: str, value: Serdes.long() })
      return builder.build()
    },
    input: 'clicks',
    inputSerdes: [str, str],
    records: [
      ['u1', 'a', 10],
      ['u2', 'b', 50],
      ['u1', 'c', 120],
      ['u1', 'd', 99], // window [0, 100) closed at stream time 120: dropped
      ['u2', 'e', 199],
      ['u1', 'f', 205],
    ],
    output: 'clicks-per-window',
    outputSerdes: [str, Serdes.long()],
  })
  assert.deepEqual(out, [['u1@0', 1, 10], ['u2@0', 1, 50], ['u1@100', 1, 120], ['u2@100', 1, 199], ['u1@200', 1, 205]])
})
