import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { EmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { silentLogger } from '../../src/instrumentation/logger.ts'
import type { Processor, ProcessorContext } from '../../src/processors/processor.ts'
import { Record } from '../../src/processors/record.ts'
import { KafkaStreams } from '../../src/runtime/kafka-streams.ts'
import type { StreamsConfig } from '../../src/runtime/streams-config.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { Stores } from '../../src/state/stores.ts'
import type { KeyValueStore } from '../../src/state/store.ts'
import { Topology } from '../../src/topology/topology.ts'

export const INPUT = 'text-input'
export const OUTPUT = 'word-counts'

class SplitProcessor implements Processor<string | null, string, string, string> {
  #context!: ProcessorContext<string, string>
  init(context: ProcessorContext<string, string>): void {
    this.#context = context
  }
  process(record: Record<string | null, string>): void {
    for (const word of record.value.toLowerCase().split(/\W+/)) {
      if (word.length > 0) this.#context.forward(new Record(word, word, record.timestamp))
    }
  }
}

class CountProcessor implements Processor<string, string, string, number> {
  #context!: ProcessorContext<string, number>
  #store!: KeyValueStore<string, number>
  init(context: ProcessorContext<string, number>): void {
    this.#context = context
    this.#store = context.getStateStore('counts')
  }
  process(record: Record<string, string>): void {
    const count = (this.#store.get(record.key) ?? 0) + 1
    this.#store.put(record.key, count)
    this.#context.forward(new Record(record.key, count, record.timestamp))
  }
}

/**
 * Word count with the low-level API: split lines into words, repartition by word, count in a
 * store (`counts`, changelogged), emit every new count.
 */
export function wordCountTopology(options: { persistent?: boolean } = {}): Topology {
  const supplier = options.persistent ? Stores.persistentKeyValueStore('counts') : Stores.inMemoryKeyValueStore('counts')
  const t = new Topology()
  t.addSource('lines', INPUT, { keySerde: Serdes.string(), valueSerde: Serdes.string() })
  t.addProcessor('split', () => new SplitProcessor(), 'lines')
  t.addInternalTopic({ name: 'words-repartition', type: 'repartition', numPartitions: undefined, config: {} })
  t.addSink('to-words', 'words-repartition', { keySerde: Serdes.string(), valueSerde: Serdes.string() }, 'split')
  t.addSource('words', 'words-repartition', { keySerde: Serdes.string(), valueSerde: Serdes.string() })
  t.addProcessor('count', () => new CountProcessor(), 'words')
  t.addStateStore(Stores.keyValueStoreBuilder(supplier, Serdes.string(), Serdes.long()), 'count')
  t.addSink('out', OUTPUT, { keySerde: Serdes.string(), valueSerde: Serdes.long() }, 'count')
  return t
}

export function tempStateDir(): { dir: string; [Symbol.dispose](): void } {
  const dir = mkdtempSync(join(tmpdir(), 'kstreams-runtime-'))
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) }
}

export function app(kafka: EmbeddedKafka, stateDir: string, overrides: Partial<StreamsConfig> = {}): KafkaStreams {
  return new KafkaStreams(wordCountTopology(), {
    applicationId: 'wordcount',
    client: kafka,
    stateDir,
    logger: silentLogger,
    commitIntervalMs: 50,
    pollMs: 20,
    ...overrides,
  })
}

export async function produceLines(kafka: EmbeddedKafka, lines: ReadonlyArray<string>, topic = INPUT): Promise<void> {
  const producer = kafka.producer({})
  await producer.connect()
  await producer.send(lines.map((line, i) => ({ topic, key: Buffer.from(`line-${i}`), value: Buffer.from(line), timestamp: 1_000 + i })))
  await producer.close()
}

/** The latest count per word in the output topic, as a read_committed or read_uncommitted reader sees it. */
export function latestCounts(kafka: EmbeddedKafka, isolationLevel: 'read_committed' | 'read_uncommitted' = 'read_uncommitted'): Map<string, number> {
  const out = new Map<string, number>()
  for (const r of kafka.records(OUTPUT, { isolationLevel })) out.set(r.key!.toString(), Number(r.value!.readBigInt64BE()))
  return out
}

/** Every (word, count) pair emitted, in order per word. */
export function emittedCounts(kafka: EmbeddedKafka, isolationLevel: 'read_committed' | 'read_uncommitted' = 'read_uncommitted'): Map<string, number[]> {
  const out = new Map<string, number[]>()
  for (const r of kafka.records(OUTPUT, { isolationLevel })) {
    const word = r.key!.toString()
    const list = out.get(word) ?? []
    list.push(Number(r.value!.readBigInt64BE()))
    out.set(word, list)
  }
  return out
}

export function expectedCounts(lines: ReadonlyArray<string>): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of lines) {
    for (const word of line.toLowerCase().split(/\W+/)) if (word.length > 0) out.set(word, (out.get(word) ?? 0) + 1)
  }
  return out
}

export async function waitFor(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Closes the apps when the test ends, passed or failed, so a failure cannot leave a poll loop running. */
export function closeAfter(t: { after(fn: () => Promise<void>): void }, ...apps: KafkaStreams[]): void {
  t.after(async () => {
    await Promise.all(apps.map((a) => a.close({ timeoutMs: 2000 })))
  })
}

export function sortedEntries(map: ReadonlyMap<string, number>): [string, number][] {
  return [...map].sort(([a], [b]) => (a < b ? -1 : 1))
}
