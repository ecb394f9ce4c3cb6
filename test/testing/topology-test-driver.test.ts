import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { TestRecord, TopologyTestDriver, type TestInputTopic, type TestOutputTopic } from 'kstreams/testing'
import type { ProcessorContext } from '../../src/processors/processor.ts'
import { Record } from '../../src/processors/record.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import type { KeyValueStore } from '../../src/state/store.ts'
import { Stores } from '../../src/state/stores.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { Topology } from '../../src/topology/topology.ts'

const str = { keySerde: Serdes.string(), valueSerde: Serdes.string() }

/** Word count on the Processor API: split, repartition by word, count in a KeyValueStore. */
function lowLevelWordCount(storeSupplier = Stores.inMemoryKeyValueStore('counts')): Topology {
  return new Topology()
    .addSource('lines', 'words', str)
    .addProcessor('split', () => {
      let ctx: ProcessorContext<string, string>
      return {
        init: (c: ProcessorContext<string, string>) => void (ctx = c),
        process(r: Record<string, string>) {
          for (const word of r.value.toLowerCase().split(/\W+/).filter(Boolean)) ctx.forward(r.withKey(word).withValue(word))
        },
      }
    }, 'lines')
    .addInternalTopic({ name: 'counts-repartition', type: 'repartition', numPartitions: undefined, config: {} })
    .addSink('by-word', 'counts-repartition', str, 'split')
    .addSource('words-by-key', 'counts-repartition', str)
    .addProcessor('count', () => {
      let ctx: ProcessorContext<string, number>
      let store: KeyValueStore<string, number>
      return {
        init(c: ProcessorContext<string, number>) {
          ctx = c
          store = c.getStateStore('counts')
        },
        process(r: Record<string, string>) {
          const n = (store.get(r.key) ?? 0) + 1
          store.put(r.key, n)
          ctx.forward(r.withValue(n))
        },
      }
    }, 'words-by-key')
    .addStateStore(Stores.keyValueStoreBuilder(storeSupplier, Serdes.string(), Serdes.long()), 'count')
    .addSink('out', 'word-counts', { keySerde: Serdes.string(), valueSerde: Serdes.long() }, 'count')
}

test('the README example: DSL word count through kstreams/testing', () => {
  const builder = new StreamsBuilder()
  builder.stream('words', { key: Serdes.string(), value: Serdes.string() })
    .flatMapValues((line) => line.toLowerCase().split(/\W+/).filter(Boolean))
    .groupBy((_key, word) => word)
    .count({ storeName: 'counts' })
    .toStream()
    .to('word-counts', { key: Serdes.string(), value: Serdes.long() })
  const driver = new TopologyTestDriver(builder.build(), { applicationId: 'wc' })
  driver.createInputTopic('words', Serdes.string(), Serdes.string()).pipeInput('a', 'Hello world hello')
  const counts = driver.createOutputTopic('word-counts', Serdes.string(), Serdes.long()).readKeyValuesToMap()
  assert.deepEqual([...counts], [['hello', 2], ['world', 1]])
  assert.equal(driver.getKeyValueStore('counts').get('hello'), 2)
  assert.equal(driver.getTimestampedKeyValueStore<string, number>('counts').get('hello')?.value, 2)
  driver.close()
})

test('low-level word count: repartition fed back in-process, store and changelog, produced topics', () => {
  const driver = new TopologyTestDriver(lowLevelWordCount(), { applicationId: 'wc' })
  const input = driver.createInputTopic('words', Serdes.string(), Serdes.string())
  const output = driver.createOutputTopic('word-counts', Serdes.string(), Serdes.long())
  input.pipeInput('line-1', 'Hello world hello', 100)
  assert.deepEqual(output.readKeyValuesToList(), [
    { key: 'hello', value: 1 },
    { key: 'world', value: 1 },
    { key: 'hello', value: 2 },
  ])
  input.pipeInput('line-2', 'world', 200)
  assert.deepEqual(output.readRecord(), new TestRecord('world', 2, 200, {}))
  assert.equal(driver.getKeyValueStore<string, number>('counts').get('world'), 2)
  assert.deepEqual([...driver.producedTopicNames()].sort(), ['wc-counts-changelog', 'wc-counts-repartition', 'word-counts'])
  const changelog = driver.createOutputTopic('wc-counts-changelog', Serdes.string(), Serdes.long())
  assert.deepEqual(changelog.readKeyValuesToMap(), new Map([['hello', 2], ['world', 2]]))
  assert.deepEqual([...driver.getAllStateStores().keys()], ['counts'])
  driver.close()
})

test('input topics: timestamps explicit, auto-advanced and from lists; headers; null keys', () => {
  const topology = new Topology().addSource('s', 'in', str).addSink('k', 'out', str, 's')
  const driver = new TopologyTestDriver(topology, { initialWallClockTimeMs: 5_000 })
  const input: TestInputTopic<string, string> = driver.createInputTopic('in', Serdes.string(), Serdes.string(), { autoAdvanceMs: 10 })
  const output: TestOutputTopic<string, string> = driver.createOutputTopic('out', Serdes.string(), Serdes.string())
  input.pipeInput('a', '1') // starts at the driver's wall-clock time
  input.pipeInput('b', '2')
  input.advanceTime(1_000)
  input.pipeInput('c', '3')
  input.pipeInput('d', '4', new Date(42))
  input.pipeValue('5')
  input.pipeRecord(new TestRecord('f', '6', 7, { trace: 'abc' }))
  input.pipeRecord({ key: 'g', value: '7', timestamp: 8 })
  input.pipeValueList(['8', '9'], 100, 5)
  input.pipeKeyValueList([{ key: 'x', value: '10' }, { key: 'y', value: '11' }])
  input.pipeRecordList([new TestRecord('z', '12', 1), new TestRecord('z', null as unknown as string, 2)])
  assert.equal(output.getQueueSize(), 13)
  assert.equal(output.isEmpty(), false)
  const records = output.readRecordsToList()
  assert.deepEqual(records.map((r) => [r.key, r.value, r.timestamp]), [
    ['a', '1', 5_000],
    ['b', '2', 5_010],
    ['c', '3', 6_020],
    ['d', '4', 42],
    [null, '5', 6_030],
    ['f', '6', 7],
    ['g', '7', 8],
    [null, '8', 100],
    [null, '9', 105],
    ['x', '10', 6_040],
    ['y', '11', 6_050],
    ['z', '12', 1],
    ['z', null, 2],
  ])
  assert.deepEqual(records[5]!.headers, { trace: Buffer.from('abc') })
  assert.equal(output.isEmpty(), true)
  assert.equal(output.getQueueSize(), 0)
  driver.close()
})

test('output topics: every read method, tombstones in readKeyValuesToMap, empty topic errors', () => {
  const topology = new Topology().addSource('s', 'in', str).addSink('k', 'out', str, 's')
  const driver = new TopologyTestDriver(topology)
  const input = driver.createInputTopic('in', Serdes.string(), Serdes.string())
  const output = driver.createOutputTopic('out', Serdes.string(), Serdes.string())
  input.pipeKeyValueList([{ key: 'k1', value: 'a' }, { key: 'k2', value: 'b' }, { key: 'k1', value: 'c' }], 1, 1)
  assert.equal(output.readValue(), 'a')
  assert.deepEqual(output.readKeyValue(), { key: 'k2', value: 'b' })
  assert.deepEqual(output.readValuesToList(), ['c'])
  assert.throws(() => output.readValue(), /Empty topic: out/)
  input.pipeKeyValueList([{ key: 'k1', value: 'a' }, { key: 'k2', value: 'b' }, { key: 'k1', value: null as unknown as string }])
  // Kafka's TestOutputTopic keeps a tombstoned key, with a null value.
  assert.deepEqual(output.readKeyValuesToMap(), new Map([['k1', null], ['k2', 'b']]))
  input.pipeKeyValueList([{ key: 'k3', value: null as unknown as string }, { key: 'k3', value: 'back' }])
  assert.deepEqual(output.readKeyValuesToMap(), new Map([['k3', 'back']]))
  input.pipeValue('no key')
  assert.throws(() => output.readKeyValuesToMap(), /null key/)
  assert.equal(driver.createOutputTopic('never-written', Serdes.string(), Serdes.string()).isEmpty(), true)
  driver.close()
})

test('a topic the topology does not read is refused with the topics it does read', () => {
  const driver = new TopologyTestDriver(lowLevelWordCount(), { applicationId: 'wc' })
  assert.throws(() => driver.createInputTopic('typo', Serdes.string(), Serdes.string()), /does not read topic "typo" \(it reads: "wc-counts-repartition", "words"\)/)
  driver.close()
})

test('advanceWallClockTime fires wall-clock punctuators; stream-time ones fire as records arrive', () => {
  const fired: string[] = []
  const topology = new Topology()
    .addSource('s', 'in', str)
    .addProcessor('p', () => {
      let ctx: ProcessorContext<string, string>
      return {
        init(c: ProcessorContext<string, string>) {
          ctx = c
          c.schedule(1_000, 'wall-clock', (ts) => {
            fired.push(`wall@${ts}`)
            ctx.forward(new Record('tick', String(ts), ts))
          })
          c.schedule(50, 'stream-time', (ts) => void fired.push(`stream@${ts}`))
        },
        process() {},
      }
    }, 's')
    .addSink('k', 'ticks', str, 'p')
  const driver = new TopologyTestDriver(topology, { initialWallClockTimeMs: 10_000 })
  const ticks = driver.createOutputTopic('ticks', Serdes.string(), Serdes.string())
  driver.advanceWallClockTime(999)
  assert.deepEqual(fired, [])
  driver.advanceWallClockTime(1)
  assert.equal(driver.wallClockTimeMs, 11_000)
  assert.deepEqual(ticks.readKeyValue(), { key: 'tick', value: '11000' })
  const input = driver.createInputTopic('in', Serdes.string(), Serdes.string())
  input.pipeInput('k', 'v', 20)
  input.pipeInput('k', 'v', 60)
  assert.deepEqual(fired, ['wall@11000', 'stream@20', 'stream@60'])
  assert.throws(() => driver.advanceWallClockTime(-1), RangeError)
  driver.close()
})

test('global stores are fed from their topic when piped, and readable by every processor', () => {
  const lookups: unknown[] = []
  const topology = new Topology()
    .addGlobalStore(
      Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('users'), Serdes.string(), Serdes.string()).withLoggingDisabled(),
      'users-source', 'users', str, 'users-updater',
      () => {
        let store: KeyValueStore<string, string>
        return {
          init: (c: ProcessorContext<never, never>) => void (store = c.getStateStore('users')),
          process: (r: Record<string, string>) => store.put(r.key, r.value),
        }
      },
    )
    .addSource('orders', 'orders', str)
    .addProcessor('enrich', () => {
      let users: KeyValueStore<string, string>
      return {
        init: (c: ProcessorContext<never, never>) => void (users = c.getStateStore('users')),
        process: (r: Record<string, string>) => void lookups.push(users.get(r.key)),
      }
    }, 'orders')
  const driver = new TopologyTestDriver(topology)
  driver.createInputTopic('users', Serdes.string(), Serdes.string()).pipeInput('u1', 'Ada')
  driver.createInputTopic('orders', Serdes.string(), Serdes.string()).pipeInput('u1', 'order-1')
  assert.deepEqual(lookups, ['Ada'])
  assert.equal(driver.getKeyValueStore('users').get('u1'), 'Ada')
  assert.deepEqual([...driver.getAllStateStores().keys()], ['users'])
  driver.close()
})

test('store lookups: unknown names are errors; close() ends the driver', () => {
  const driver = new TopologyTestDriver(lowLevelWordCount(), { applicationId: 'wc' })
  assert.throws(() => driver.getStateStore('nope'), /No state store named "nope" in this topology \(stores: "counts"\)/)
  assert.equal(driver.getStateStore('counts').name, 'counts')
  driver.close()
  driver.close()
  assert.throws(() => driver.createInputTopic('words', Serdes.string(), Serdes.string()), /closed/)
})

test('processing errors reach the caller with the record named, and leave the store untouched', () => {
  const topology = new Topology()
    .addSource('s', 'in', str)
    .addProcessor('w', () => {
      let store: KeyValueStore<string, string>
      return {
        init: (c: ProcessorContext<never, never>) => void (store = c.getStateStore('kv')),
        process(r: Record<string, string>) {
          store.put(r.key, r.value)
          if (r.value === 'bad') throw new Error('rejected')
        },
      }
    }, 's')
    .addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('kv'), Serdes.string(), Serdes.string()), 'w')
  const failing = new TopologyTestDriver(topology)
  const input = failing.createInputTopic('in', Serdes.string(), Serdes.string())
  input.pipeInput('a', 'good')
  assert.throws(() => input.pipeInput('b', 'bad'), /Processing failed in task 0_0, node "w", for the record at topic "in" partition 0 offset 1: rejected/)
  assert.equal(failing.getKeyValueStore('kv').get('b'), undefined)
  failing.close()

  const skipping = new TopologyTestDriver(topology, { processingExceptionHandler: 'continue', logger: { warn() {} } })
  const again = skipping.createInputTopic('in', Serdes.string(), Serdes.string())
  again.pipeInput('b', 'bad')
  again.pipeInput('c', 'good')
  assert.equal(skipping.getKeyValueStore('kv').get('b'), undefined)
  assert.equal(skipping.getKeyValueStore('kv').get('c'), 'good')
  skipping.close()
})

test('create() keeps RocksDB stores on disk under stateDir; the constructor keeps them in memory', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'kstreams-ttd-test-'))
  try {
    const onDisk = await TopologyTestDriver.create(lowLevelWordCount(Stores.persistentKeyValueStore('counts')), { applicationId: 'wc', stateDir })
    onDisk.createInputTopic('words', Serdes.string(), Serdes.string()).pipeInput(null as unknown as string, 'a b a')
    assert.equal(onDisk.getKeyValueStore('counts').get('a'), 2)
    assert.equal(onDisk.getStateStore('counts').persistent, true)
    assert.equal(existsSync(join(stateDir, 'wc', '1_0')), true)
    onDisk.close()

    const inMemory = new TopologyTestDriver(lowLevelWordCount(Stores.persistentKeyValueStore('counts')), { applicationId: 'wc' })
    inMemory.createInputTopic('words', Serdes.string(), Serdes.string()).pipeInput('k', 'a b a')
    assert.equal(inMemory.getKeyValueStore('counts').get('a'), 2)
    assert.equal(inMemory.getStateStore('counts').persistent, false)
    inMemory.close()
  } finally {
    rmSync(stateDir, { recursive: true, force: true })
  }
})

test('topic types are inferred from the serdes', () => {
  const driver = new TopologyTestDriver(new Topology().addSource('s', 'in', str).addSink('k', 'out', str, 's'))
  const input = driver.createInputTopic('in', Serdes.string(), Serdes.long())
  const typed: TestInputTopic<string, number> = input
  const output = driver.createOutputTopic('out', Serdes.string(), Serdes.long())
  const read: () => number = () => output.readValue()
  // Never called: only the type checker looks at these lines.
  const compileOnly = (): void => {
    // @ts-expect-error the value serde is Serdes.long(), so values are numbers
    typed.pipeInput('k', 'not a number')
    // @ts-expect-error keys are strings
    const key: number = output.readKeyValue().key
    void key
  }
  assert.equal(typeof compileOnly, 'function')
  assert.equal(typeof read, 'function')
  driver.close()
})
