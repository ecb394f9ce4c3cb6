import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Processor, ProcessorContext, FixedKeyProcessor, FixedKeyProcessorContext } from '../../src/processors/processor.ts'
import type { Record } from '../../src/processors/record.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { Stores } from '../../src/state/stores.ts'
import type { KeyValueStore } from '../../src/state/store.ts'
import { TopologyTestDriver } from '../../src/testing/index.ts'
import type { Topology } from '../../src/topology/topology.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'

interface Payment {
  readonly id: string
  readonly amount: number
  readonly currency: string
}

function withDriver(topology: Topology, body: (driver: TopologyTestDriver) => void): void {
  const driver = new TopologyTestDriver(topology)
  try {
    body(driver)
  } finally {
    driver.close()
  }
}

const str = Serdes.string()
const num = Serdes.long()
const payments = Serdes.json<Payment>()

test('filter and filterNot keep and drop by predicate; mapValues keeps the key', () => {
  const b = new StreamsBuilder()
  const s = b.stream('in', { key: str, value: num })
  s.filter((_k, v) => v % 2 === 0).mapValues((v, k) => `${k}=${v}`).to('even', { value: str })
  s.filterNot((_k, v) => v % 2 === 0).to('odd')
  withDriver(b.build(), (driver) => {
    const input = driver.createInputTopic('in', str, num)
    for (let i = 1; i <= 5; i++) input.pipeInput(`k${i}`, i, i * 10)
    assert.deepEqual(driver.createOutputTopic('even', str, str).readKeyValuesToList(), [
      { key: 'k2', value: 'k2=2' },
      { key: 'k4', value: 'k4=4' },
    ])
    const odd = driver.createOutputTopic('odd', str, num).readRecordsToList()
    assert.deepEqual(odd.map((r) => [r.key, r.value, r.timestamp]), [['k1', 1, 10], ['k3', 3, 30], ['k5', 5, 50]])
  })
})

test('map accepts [key, value] and { key, value }; flatMap and flatMapValues emit many', () => {
  const b = new StreamsBuilder()
  const s = b.stream('in', { key: str, value: payments })
  s.map((_k, p) => [p.currency, p.amount]).to('by-currency', { key: str, value: num })
  s.map((k, p) => ({ key: p.amount, value: k })).to('by-amount', { key: num, value: str })
  s.flatMap((k, p) => [[k, p.amount], [p.currency, -p.amount]]).to('flat', { key: str, value: num })
  s.flatMapValues((p) => [p.id, p.currency]).to('flat-values', { value: str })
  withDriver(b.build(), (driver) => {
    driver.createInputTopic('in', str, payments).pipeInput('a', { id: 'p1', amount: 5, currency: 'EUR' }, 7)
    assert.deepEqual(driver.createOutputTopic('by-currency', str, num).readKeyValuesToList(), [{ key: 'EUR', value: 5 }])
    assert.deepEqual(driver.createOutputTopic('by-amount', num, str).readKeyValuesToList(), [{ key: 5, value: 'a' }])
    const flat = driver.createOutputTopic('flat', str, num).readRecordsToList()
    assert.deepEqual(flat.map((r) => [r.key, r.value, r.timestamp]), [['a', 5, 7], ['EUR', -5, 7]])
    assert.deepEqual(driver.createOutputTopic('flat-values', str, str).readKeyValuesToList(), [
      { key: 'a', value: 'p1' },
      { key: 'a', value: 'EUR' },
    ])
  })
})

test('peek sees every record and passes it on; foreach ends the branch', () => {
  const b = new StreamsBuilder()
  const peeked: string[] = []
  const seen: string[] = []
  b.stream('in', { key: str, value: str })
    .peek((k, v) => peeked.push(`${k}:${v}`))
    .selectKey((_k, v) => v.toUpperCase())
    .foreach((k, v) => seen.push(`${k}:${v}`))
  withDriver(b.build(), (driver) => {
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('a', 'x')
    input.pipeInput('b', 'y')
    assert.deepEqual(peeked, ['a:x', 'b:y'])
    assert.deepEqual(seen, ['X:x', 'Y:y'])
  })
})

test('split sends each record to the first matching named branch, else the default branch', () => {
  const b = new StreamsBuilder()
  const branches = b.stream('in', { key: str, value: num })
    .split({ name: 'size-' })
    .branch((_k, v) => v >= 100, { name: 'large' })
    .branch((_k, v) => v >= 10, { name: 'medium' })
    .defaultBranch({ name: 'small' })
  assert.deepEqual(Object.keys(branches), ['size-large', 'size-medium', 'size-small'])
  branches['size-large'].to('large')
  branches['size-medium'].to('medium')
  branches['size-small'].to('small')
  const topology = b.build()
  assert.deepEqual(
    topology.nodes.map((n) => n.name),
    ['KSTREAM-SOURCE-0000000000', 'size-', 'size-large', 'size-medium', 'size-small', 'KSTREAM-SINK-0000000004', 'KSTREAM-SINK-0000000005', 'KSTREAM-SINK-0000000006'],
  )
  withDriver(topology, (driver) => {
    const input = driver.createInputTopic('in', str, num)
    for (const [k, v] of [['a', 500], ['b', 50], ['c', 5], ['d', 100]] as const) input.pipeInput(k, v)
    assert.deepEqual(driver.createOutputTopic('large', str, num).readKeyValuesToList(), [{ key: 'a', value: 500 }, { key: 'd', value: 100 }])
    assert.deepEqual(driver.createOutputTopic('medium', str, num).readKeyValuesToList(), [{ key: 'b', value: 50 }])
    assert.deepEqual(driver.createOutputTopic('small', str, num).readKeyValuesToList(), [{ key: 'c', value: 5 }])
  })
})

test('split without a default branch drops unmatched records; unnamed branches are numbered', () => {
  const b = new StreamsBuilder()
  const branches = b.stream('in', { key: str, value: num }).split().branch((_k, v) => v > 0).noDefaultBranch()
  assert.deepEqual(Object.keys(branches), ['KSTREAM-BRANCH-00000000011'])
  branches['KSTREAM-BRANCH-00000000011']!.to('positive')
  withDriver(b.build(), (driver) => {
    const input = driver.createInputTopic('in', str, num)
    input.pipeInput('a', -1)
    input.pipeInput('b', 1)
    assert.deepEqual(driver.createOutputTopic('positive', str, num).readKeyValuesToList(), [{ key: 'b', value: 1 }])
  })
})

test('a split that ended takes no more branches', () => {
  const split = new StreamsBuilder().stream('in', { key: str, value: num }).split()
  split.defaultBranch()
  assert.throws(() => split.branch(() => true), /already ended/)
})

test('merge combines two streams and keeps a serde both share', () => {
  const b = new StreamsBuilder()
  const left = b.stream('left', { key: str, value: num })
  const right = b.stream('right', { key: str, value: num }).mapValues((v) => v * 10)
  left.merge(right).to('merged', { value: num })
  const both = b.stream('both-a', { key: str, value: num }).merge(b.stream('both-b', { key: str, value: num }))
  both.to('both') // serdes known from both sides
  withDriver(b.build(), (driver) => {
    driver.createInputTopic('left', str, num).pipeInput('l', 1, 1)
    driver.createInputTopic('right', str, num).pipeInput('r', 2, 2)
    driver.createInputTopic('both-b', str, num).pipeInput('b', 3, 3)
    assert.deepEqual(driver.createOutputTopic('merged', str, num).readKeyValuesToList(), [
      { key: 'l', value: 1 },
      { key: 'r', value: 20 },
    ])
    assert.deepEqual(driver.createOutputTopic('both', str, num).readKeyValuesToList(), [{ key: 'b', value: 3 }])
  })
})

test('to with a topic chooser routes each record; a partitioner is kept on the sink', () => {
  const b = new StreamsBuilder()
  const partitioner = (): number => 0
  b.stream('in', { key: str, value: payments }).to((record) => `payments-${record.value.currency.toLowerCase()}`, { partitioner })
  const sink = b.build().nodes.find((n) => n.kind === 'sink')
  assert.equal(sink?.kind === 'sink' && sink.partitioner, partitioner)
  withDriver(b.build(), (driver) => {
    const input = driver.createInputTopic('in', str, payments)
    input.pipeInput('1', { id: '1', amount: 1, currency: 'EUR' })
    input.pipeInput('2', { id: '2', amount: 2, currency: 'USD' })
    input.pipeInput('3', { id: '3', amount: 3, currency: 'EUR' })
    assert.deepEqual(driver.createOutputTopic('payments-eur', str, payments).readValuesToList().map((p) => p.id), ['1', '3'])
    assert.deepEqual(driver.createOutputTopic('payments-usd', str, payments).readValuesToList().map((p) => p.id), ['2'])
  })
})

test('to() without a known serde fails at the call, naming the operator', () => {
  const s = new StreamsBuilder().stream('in', { key: str, value: num }).mapValues((v) => ({ v }))
  assert.throws(() => s.to('out'), /to\("out"\) needs a value serde/)
  const rekeyed = new StreamsBuilder().stream('in', { key: str, value: num }).selectKey((_k, v) => v)
  assert.throws(() => rekeyed.to('out', { value: num }), /to\("out"\) needs a key serde/)
  assert.throws(() => new StreamsBuilder().stream('in', { value: num }), /stream\("in"\) needs a key serde/)
})

test('builder default serdes fill in for missing ones', () => {
  const b = new StreamsBuilder({ defaultKeySerde: str, defaultValueSerde: str })
  b.stream<string, string>('in').mapValues((v) => v.toUpperCase()).to('out')
  withDriver(b.build(), (driver) => {
    driver.createInputTopic('in', str, str).pipeInput('k', 'v')
    assert.deepEqual(driver.createOutputTopic('out', str, str).readKeyValuesToList(), [{ key: 'k', value: 'V' }])
  })
})

test('repartition() goes through a named internal topic and keeps serdes', () => {
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: num }).repartition({ name: 'by-key', numberOfPartitions: 3 }).to('out')
  const topology = b.build()
  assert.deepEqual([...topology.internalTopics.values()], [{ name: 'by-key-repartition', type: 'repartition', numPartitions: 3, config: {} }])
  assert.ok(topology.nodes.some((n) => n.name === 'by-key-repartition-source'))
  withDriver(topology, (driver) => {
    driver.createInputTopic('in', str, num).pipeInput('k', 42)
    assert.deepEqual(driver.createOutputTopic('out', str, num).readKeyValuesToList(), [{ key: 'k', value: 42 }])
  })
})

class RunningTotal implements Processor<string, number, string, string> {
  private context!: ProcessorContext<string, string>
  private store!: KeyValueStore<string, number>
  init(context: ProcessorContext<string, string>): void {
    this.context = context
    this.store = context.getStateStore<KeyValueStore<string, number>>('totals')
  }
  process(record: Record<string, number>): void {
    const total = (this.store.get(record.key) ?? 0) + record.value
    this.store.put(record.key, total)
    this.context.forward(record.withKey(`total-${record.key}`).withValue(String(total)))
  }
}

test('process() runs a custom processor with its store and may change keys', () => {
  const b = new StreamsBuilder()
  b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('totals'), str, num))
  const out = b.stream('in', { key: str, value: num }).process(() => new RunningTotal(), { stores: ['totals'] })
  out.to('out', { key: str, value: str })
  // The key may have changed, so a following aggregation repartitions.
  out.groupByKey().count({ storeName: 'after' })
  const topology = b.build()
  assert.deepEqual(topology.stores.get('totals')?.processors, ['KSTREAM-PROCESSOR-0000000001'])
  assert.ok(topology.internalTopics.has('after-repartition'))
  withDriver(topology, (driver) => {
    const input = driver.createInputTopic('in', str, num)
    input.pipeInput('a', 1)
    input.pipeInput('a', 2)
    assert.deepEqual(driver.createOutputTopic('out', str, str).readKeyValuesToList(), [
      { key: 'total-a', value: '1' },
      { key: 'total-a', value: '3' },
    ])
    assert.equal(driver.getKeyValueStore<string, number>('totals').get('a'), 3)
  })
  assert.throws(() => new StreamsBuilder().stream('in', { key: str, value: num }).process(() => new RunningTotal(), { stores: ['nope'] }), /"nope", which is not added/)
})

class Dedupe implements FixedKeyProcessor<string, string, string> {
  private context!: FixedKeyProcessorContext<string, string>
  private seen!: KeyValueStore<string, string>
  init(context: FixedKeyProcessorContext<string, string>): void {
    this.context = context
    this.seen = context.getStateStore<KeyValueStore<string, string>>('seen')
  }
  process(record: Record<string, string>): void {
    if (this.seen.get(record.key) === record.value) return
    this.seen.put(record.key, record.value)
    this.context.forward(record.withValue(record.value.toUpperCase()))
  }
}

test('processValues() rejects a forwarded record whose key is not the input key, through the processing error policy', () => {
  class Rekey implements FixedKeyProcessor<string, string, string> {
    #context!: FixedKeyProcessorContext<string, string>
    init(context: FixedKeyProcessorContext<string, string>): void {
      this.#context = context
    }
    process(record: Record<string, string>): void {
      // Same key, new value: fine. A different key (even an equal-looking one made anew) is not.
      this.#context.forward(record.withValue(record.value.toUpperCase()))
      if (record.value === 'rekey') this.#context.forward(record.withKey(`${record.key}!`))
    }
  }
  const b = new StreamsBuilder()
  b.stream('in', { key: str, value: str }).processValues(() => new Rekey(), { name: 'rekeyer' }).to('out', { value: str })
  const failing = new TopologyTestDriver(b.build())
  try {
    const input = failing.createInputTopic('in', str, str)
    input.pipeInput('a', 'ok')
    assert.throws(
      () => input.pipeInput('b', 'rekey'),
      (error: Error) => {
        assert.equal(error.name, 'ProcessingError')
        assert.match(error.message, /processValues processor "rekeyer" forwarded a record with key "b!", not the input key "b"/)
        return true
      },
    )
  } finally {
    failing.close()
  }
  const continuing = new TopologyTestDriver(b.build(), { processingExceptionHandler: 'continue', logger: { warn: () => {} } })
  try {
    const input = continuing.createInputTopic('in', str, str)
    input.pipeInput('a', 'ok')
    input.pipeInput('b', 'rekey')
    input.pipeInput('c', 'fine')
    const out = continuing.createOutputTopic('out', str, str).readKeyValuesToList()
    // The failed record's first forward already went out before the bad one (as in Kafka, output is not taken back).
    assert.deepEqual(out, [{ key: 'a', value: 'OK' }, { key: 'b', value: 'REKEY' }, { key: 'c', value: 'FINE' }])
  } finally {
    continuing.close()
  }
})

test('processValues() runs a key-preserving processor with a store given as a builder; no repartition follows', () => {
  const b = new StreamsBuilder()
  const seen = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('seen'), str, str)
  const out = b.stream('in', { key: str, value: str }).processValues(() => new Dedupe(), { stores: [seen] })
  // The key serde is carried; the value type may have changed, so the value serde is not.
  assert.throws(() => out.to('out'), /needs a value serde/)
  out.to('out', { value: str })
  out.groupByKey().count({ storeName: 'per-key' })
  const topology = b.build()
  assert.equal(topology.internalTopics.size, 0)
  assert.deepEqual(topology.stores.get('seen')?.processors, ['KSTREAM-PROCESSVALUES-0000000001'])
  withDriver(topology, (driver) => {
    const input = driver.createInputTopic('in', str, str)
    input.pipeInput('a', 'x')
    input.pipeInput('a', 'x')
    input.pipeInput('a', 'y')
    assert.deepEqual(driver.createOutputTopic('out', str, str).readValuesToList(), ['X', 'Y'])
    assert.equal(driver.getKeyValueStore<string, number>('per-key').get('a'), 2)
  })
})
