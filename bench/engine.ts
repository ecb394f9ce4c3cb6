/**
 * Engine benchmark (issue: core engine, item 11): records/s through the embedded engine — the same
 * task, partition-group, commit and record-collector code the Kafka path uses — for
 *   (a) filter + mapValues (stateless),
 *   (b) groupByKey().count() with an in-memory store, and with a RocksDB store.
 * A baseline runs in the same process on the same records: a plain loop that deserializes,
 * applies the same functions and serializes, i.e. the work with no engine around it. The ratio
 * engine/baseline is the engine's overhead; absolute figures depend on the machine.
 *
 *   node bench/engine.ts [--records 1000000] [--partitions 1] [--keys 10000]
 */
import { parseArgs } from 'node:util'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEmbeddedKafka, KafkaStreams, Serdes, StreamsBuilder, type EmbeddedKafka } from '../src/index.ts'
import { silentLogger } from '../src/instrumentation/logger.ts'
import type { ProducerRecord } from '../src/client/port.ts'

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    partitions: { type: 'string', default: '1' },
    keys: { type: 'string', default: '10000' },
    only: { type: 'string' },
  },
})
const N = Number(args.records)
const PARTITIONS = Number(args.partitions)
const KEYS = Number(args.keys)

interface Result {
  readonly name: string
  readonly records: number
  readonly seconds: number
  readonly cpuSeconds: number
  readonly outputs: number
}

async function preload(kafka: EmbeddedKafka, topic: string): Promise<void> {
  kafka.createTopic(topic, PARTITIONS)
  const keySerde = Serdes.string()
  const valueSerde = Serdes.long()
  const keys: Buffer[] = []
  for (let k = 0; k < KEYS; k++) keys.push(keySerde.serialize(topic, `key-${k}`))
  const producer = kafka.producer({})
  await producer.connect()
  const batch: ProducerRecord[] = []
  for (let i = 0; i < N; i++) {
    batch.push({ topic, key: keys[i % KEYS]!, value: valueSerde.serialize(topic, i), timestamp: 1_700_000_000_000 + i })
    if (batch.length === 10_000 || i === N - 1) await producer.send(batch.splice(0))
  }
  await producer.close()
}

async function outputCount(kafka: EmbeddedKafka, topic: string): Promise<number> {
  if (!kafka.hasTopic(topic)) return 0
  const partitions = Array.from({ length: kafka.describeTopic(topic)!.numPartitions }, (_, partition) => ({ topic, partition }))
  let total = 0
  for (const end of (await kafka.admin().endOffsets(partitions)).values()) total += end
  return total
}

async function runEngine(name: string, build: (b: StreamsBuilder) => void, expectedOutputs: number): Promise<Result> {
  const kafka = createEmbeddedKafka()
  await preload(kafka, 'input')
  const builder = new StreamsBuilder()
  build(builder)
  const stateDir = mkdtempSync(join(tmpdir(), 'kstreams-bench-'))
  const streams = new KafkaStreams(builder.build(), {
    applicationId: `bench-${name.replace(/[^a-z0-9]+/gi, '-')}`,
    client: kafka,
    stateDir,
    logger: silentLogger,
    commitIntervalMs: 1000,
  })
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await streams.start()
  while ((await outputCount(kafka, 'output')) < expectedOutputs) await new Promise((r) => setTimeout(r, 5))
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const outputs = await outputCount(kafka, 'output')
  await streams.close({ timeoutMs: 10_000 })
  rmSync(stateDir, { recursive: true, force: true })
  return { name, records: N, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, outputs }
}

/** The same work as (a) with no engine: deserialize, filter, map, serialize. */
async function baselineStateless(): Promise<Result> {
  const kafka = createEmbeddedKafka()
  await preload(kafka, 'input')
  const input = kafka.records('input')
  const k = Serdes.string()
  const v = Serdes.long()
  const s = Serdes.string()
  const out: Buffer[] = []
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (const r of input) {
    const key = k.deserialize('input', r.key!)
    const value = v.deserialize('input', r.value!)
    if (value % 2 === 0) {
      k.serialize('output', key)
      out.push(s.serialize('output', `v${value * 2}`))
    }
  }
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  return { name: 'baseline: raw loop (a)', records: N, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, outputs: out.length }
}

function print(results: Result[]): void {
  const base = results.find((r) => r.name.startsWith('baseline'))
  console.log(`\nrecords=${N} partitions=${PARTITIONS} keys=${KEYS} node=${process.version}`)
  console.log('| workload | records/s | CPU s per 1M records | wall s | outputs | vs raw loop |')
  console.log('|---|---:|---:|---:|---:|---:|')
  for (const r of results) {
    const rate = r.records / r.seconds
    const ratio = base ? (rate / (base.records / base.seconds)).toFixed(2) : '-'
    console.log(
      `| ${r.name} | ${Math.round(rate).toLocaleString('en-US')} | ${((r.cpuSeconds / r.records) * 1e6).toFixed(2)} | ${r.seconds.toFixed(2)} | ${r.outputs} | ${ratio} |`,
    )
  }
}

const only = args.only
const results: Result[] = []
if (!only || only === 'a') {
  results.push(await baselineStateless())
  results.push(
    await runEngine('(a) filter + mapValues', (b) => {
      b.stream('input', { key: Serdes.string(), value: Serdes.long() })
        .filter((_k, v) => v % 2 === 0)
        .mapValues((v) => `v${v * 2}`)
        .to('output', { key: Serdes.string(), value: Serdes.string() })
    }, N / 2),
  )
}
for (const storeType of ['memory', 'rocksdb'] as const) {
  if (only && only !== storeType) continue
  results.push(
    await runEngine(`(b) groupByKey().count() ${storeType}`, (b) => {
      b.stream('input', { key: Serdes.string(), value: Serdes.long() })
        .groupByKey()
        .count({ storeName: 'counts', storeType })
        .toStream()
        .to('output', { key: Serdes.string(), value: Serdes.long() })
    }, N),
  )
}
print(results)
