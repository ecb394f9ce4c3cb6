/**
 * Engine benchmark (issue: core engine, item 11): records/s through the embedded engine — the same
 * task, partition-group, commit and record-collector code the Kafka path uses — for
 *   (a) filter + mapValues (stateless),
 *   (b) groupByKey().count() with an in-memory store, and with a RocksDB store.
 * A baseline runs in the same process on the same records: a plain loop that deserializes,
 * applies the same functions and serializes, i.e. the work with no engine around it. The ratio
 * engine/baseline is the engine's overhead; absolute figures depend on the machine.
 *
 * What is timed: from `streams.start()` until the output topic holds every expected record
 * (startup, rebalance, polls, processing, produce and commits included; the input is preloaded
 * before). CPU seconds are the process's user + system time over the same span: on a shared
 * machine they are the steadier figure. After the clock stops, the outputs are checked: their
 * number, and their content ((a): every value is `v<2·input>` for even inputs; (b): the last
 * count per key adds up to the number of records).
 *
 *   node bench/engine.ts [--records 1000000] [--partitions 1] [--keys 10000] [--only a|memory|rocksdb] [--runs 1]
 *
 * `--no-metrics` runs with `metrics: false`, `--no-tracing` with `tracing: false` (to measure their cost).
 * `--no-baseline` skips the raw loop. `--preload-only` stops after filling the input topic: under `valgrind --tool=cachegrind`, the
 * instructions of a full run minus those of a preload-only run (at two record counts) give the
 * engine's instructions per record, a figure other processes on the machine cannot disturb.
 */
import { parseArgs } from 'node:util'
import { Registry } from 'prom-client'
import { PerformanceObserver } from 'node:perf_hooks'
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
    runs: { type: 'string', default: '1' },
    'preload-only': { type: 'boolean', default: false },
    'no-baseline': { type: 'boolean', default: false },
    'no-metrics': { type: 'boolean', default: false },
    'no-tracing': { type: 'boolean', default: false },
  },
})
const N = Number(args.records)
const PARTITIONS = Number(args.partitions)
const KEYS = Number(args.keys)
const RUNS = Math.max(1, Number(args.runs))

interface Result {
  readonly name: string
  readonly records: number
  readonly seconds: number
  readonly cpuSeconds: number
  /** Garbage collection pauses within the timed span. */
  readonly gcSeconds: number
  readonly outputs: number
}

/** Sum of GC pause durations since the process started, in ms (read before and after a run). */
let gcMs = 0
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration
}).observe({ entryTypes: ['gc'] })

/** GC entries are delivered asynchronously: let pending ones arrive before reading the total. */
async function gcTotal(): Promise<number> {
  await new Promise((r) => setImmediate(r))
  return gcMs
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

type Check = (kafka: EmbeddedKafka) => void

async function runEngine(name: string, build: (b: StreamsBuilder) => void, expectedOutputs: number, check: Check): Promise<Result> {
  const kafka = createEmbeddedKafka()
  await preload(kafka, 'input')
  if (args['preload-only']) return { name, records: N, seconds: 1, cpuSeconds: 0, gcSeconds: 0, outputs: 0 }
  const builder = new StreamsBuilder()
  build(builder)
  const stateDir = mkdtempSync(join(tmpdir(), 'kstreams-bench-'))
  const streams = new KafkaStreams(builder.build(), {
    applicationId: `bench-${name.replace(/[^a-z0-9]+/gi, '-')}`,
    client: kafka,
    stateDir,
    logger: silentLogger,
    commitIntervalMs: 1000,
    // Metrics on (a registry of the run's own) unless --no-metrics; OTel looked up unless --no-tracing.
    metrics: args['no-metrics'] ? false : { registry: new Registry() },
    ...(args['no-tracing'] && { tracing: false as const }),
  })
  const gc0 = await gcTotal()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await streams.start()
  while ((await outputCount(kafka, 'output')) < expectedOutputs) await new Promise((r) => setTimeout(r, 5))
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const gcSeconds = ((await gcTotal()) - gc0) / 1000
  const outputs = await outputCount(kafka, 'output')
  await streams.close({ timeoutMs: 10_000 })
  rmSync(stateDir, { recursive: true, force: true })
  if (outputs !== expectedOutputs) throw new Error(`${name}: expected ${expectedOutputs} outputs, got ${outputs}`)
  check(kafka)
  return { name, records: N, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, gcSeconds, outputs }
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
  const gc0 = await gcTotal()
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
  const gcSeconds = ((await gcTotal()) - gc0) / 1000
  return { name: 'baseline: raw loop (a)', records: N, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, gcSeconds, outputs: out.length }
}

const checkStateless: Check = (kafka) => {
  const out = kafka.records('output')
  const seen = new Set<number>()
  for (const r of out) {
    const text = r.value!.toString('utf8')
    const input = Number(text.slice(1)) / 2
    if (text[0] !== 'v' || !Number.isInteger(input) || input % 2 !== 0 || input < 0 || input >= N) throw new Error(`(a): unexpected output value ${text}`)
    seen.add(input)
  }
  if (seen.size !== N / 2) throw new Error(`(a): ${seen.size} distinct outputs, expected ${N / 2}`)
}

const checkCount: Check = (kafka) => {
  const last = new Map<string, number>()
  for (const r of kafka.records('output')) last.set(r.key!.toString('latin1'), Serdes.long().deserialize('output', r.value!))
  let total = 0
  for (const c of last.values()) total += c
  if (total !== N || last.size !== Math.min(KEYS, N)) throw new Error(`(b): counts add up to ${total} over ${last.size} keys, expected ${N} over ${Math.min(KEYS, N)}`)
}

function rate(r: Result): number {
  return r.records / r.seconds
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function print(results: Result[][]): void {
  const base = results.find((runs) => runs[0]!.name.startsWith('baseline'))
  const baseRate = base === undefined ? undefined : Math.max(...base.map(rate))
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
  const perM = (r: Result): number => (r.cpuSeconds / r.records) * 1e6
  console.log(`\nrecords=${N} partitions=${PARTITIONS} keys=${KEYS} runs=${RUNS} node=${process.version}`)
  console.log('| workload | records/s best | records/s median | CPU s per 1M best | CPU s per 1M median | GC % of wall (median) | wall s best | outputs | best vs raw loop |')
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const runs of results) {
    const rates = runs.map(rate)
    const cpus = runs.map(perM)
    const best = Math.max(...rates)
    console.log(
      `| ${runs[0]!.name} | ${fmt(best)} | ${fmt(median(rates))} | ${Math.min(...cpus).toFixed(2)} | ${median(cpus).toFixed(2)} | ` +
        `${median(runs.map((r) => (100 * r.gcSeconds) / r.seconds)).toFixed(0)} | ` +
        `${Math.min(...runs.map((r) => r.seconds)).toFixed(2)} | ${runs[0]!.outputs} | ${baseRate === undefined ? '-' : (best / baseRate).toFixed(2)} |`,
    )
  }
}

async function repeat(run: () => Promise<Result>): Promise<Result[]> {
  const out: Result[] = []
  for (let i = 0; i < RUNS; i++) out.push(await run())
  return out
}

const only = args.only
const results: Result[][] = []
if (!only || only === 'a') {
  if (!args['no-baseline'] && !args['preload-only']) results.push(await repeat(baselineStateless))
  results.push(
    await repeat(() =>
      runEngine('(a) filter + mapValues', (b) => {
        b.stream('input', { key: Serdes.string(), value: Serdes.long() })
          .filter((_k, v) => v % 2 === 0)
          .mapValues((v) => `v${v * 2}`)
          .to('output', { key: Serdes.string(), value: Serdes.string() })
      }, N / 2, checkStateless),
    ),
  )
}
for (const storeType of ['memory', 'rocksdb'] as const) {
  if (only && only !== storeType) continue
  results.push(
    await repeat(() =>
      runEngine(`(b) groupByKey().count() ${storeType}`, (b) => {
        b.stream('input', { key: Serdes.string(), value: Serdes.long() })
          .groupByKey()
          .count({ storeName: 'counts', storeType })
          .toStream()
          .to('output', { key: Serdes.string(), value: Serdes.long() })
      }, N, checkCount),
    ),
  )
}
print(results)
