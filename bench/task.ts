/**
 * The task engine alone, without broker or runtime: one StreamTask fed consumer records made per
 * batch, output into an in-memory collector that is drained (dropped) every batch. Separates the cost of
 * processing (serdes, processors, stores) from the embedded broker's poll/produce path, which
 * `bench/engine.ts` includes.
 *
 *   node bench/task.ts [--records 1000000] [--keys 10000] [--only a|memory|rocksdb] [--runs 1] [--metrics]
 *
 * `--metrics` attaches the task to metrics and tracing as the runtime does (node counters, sink
 * latency histogram, tracing checks; the OpenTelemetry API loaded, no SDK), to measure their cost.
 */
import { parseArgs } from 'node:util'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Serdes, StreamsBuilder } from '../src/index.ts'
import type { ConsumerRecord } from '../src/client/port.ts'
import { StreamTask } from '../src/runtime/task/stream-task.ts'
import { InMemoryRecordCollector } from '../src/runtime/task/in-memory-record-collector.ts'
import { Registry } from 'prom-client'
import { loadOpenTelemetry, OtelTracerSource } from '../src/instrumentation/open-telemetry.ts'
import { RecordTracing } from '../src/instrumentation/record-tracing.ts'
import { StreamsMetrics } from '../src/instrumentation/streams-metrics.ts'
import { instrumentTask } from '../src/runtime/task/task-instrumentation.ts'

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    keys: { type: 'string', default: '10000' },
    only: { type: 'string' },
    runs: { type: 'string', default: '1' },
    metrics: { type: 'boolean', default: false },
  },
})
const N = Number(args.records)
const KEYS = Number(args.keys)
const BATCH = 1000
const RUNS = Math.max(1, Number(args.runs))

/**
 * The input's bytes: every key, and a cycle of values (v % 2 alternates, as with distinct values).
 * Consumer records are made per batch inside the loop, as a consumer makes them per poll: a
 * million prebuilt records kept alive would make every garbage collection walk them, a cost
 * that belongs to neither the engine nor a real consumer.
 */
interface Input {
  readonly keys: Buffer[]
  readonly values: Buffer[]
}

const VALUE_CYCLE = 10_000
const HEADERS = Object.freeze({})

function input(): Input {
  const keys: Buffer[] = []
  for (let k = 0; k < KEYS; k++) keys.push(Serdes.string().serialize('input', `key-${k}`))
  const values: Buffer[] = []
  for (let v = 0; v < VALUE_CYCLE; v++) values.push(Serdes.long().serialize('input', v))
  return { keys, values }
}

function batch(data: Input, from: number, to: number): ConsumerRecord[] {
  const out: ConsumerRecord[] = new Array(to - from)
  for (let i = from; i < to; i++) {
    out[i - from] = { topic: 'input', partition: 0, offset: i, key: data.keys[i % KEYS]!, value: data.values[i % VALUE_CYCLE]!, timestamp: 1_700_000_000_000 + i, headers: HEADERS }
  }
  return out
}

interface Measurement {
  readonly seconds: number
  readonly cpuSeconds: number
  readonly outputs: number
}

async function runOnce(build: (b: StreamsBuilder) => void, data: Input): Promise<Measurement> {
  const builder = new StreamsBuilder()
  build(builder)
  const compiled = builder.build().compile('bench-task')
  const stateDir = mkdtempSync(join(tmpdir(), 'kstreams-bench-task-'))
  const collector = new InMemoryRecordCollector()
  const task = new StreamTask(compiled.subtopologies[0]!, 0, { applicationId: 'bench-task', collector, stateDir })
  await task.openStores()
  if (args.metrics) {
    const otel = await loadOpenTelemetry()
    instrumentTask(task, { metrics: new StreamsMetrics('bench-task', new Registry()), tracing: new RecordTracing('bench-task', otel && new OtelTracerSource(otel)) })
  }
  task.initialize()
  let outputs = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < N; i += BATCH) {
    task.addRecords('input', 0, batch(data, i, Math.min(N, i + BATCH)))
    if (args.metrics) task.context.systemTimeMs = Date.now() // as the runtime sets it per processing pass
    task.processBatch(Number.MAX_SAFE_INTEGER)
    outputs += collector.drain().length
  }
  task.prepareCommit()
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  task.close(true)
  rmSync(stateDir, { recursive: true, force: true })
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, outputs }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

async function run(name: string, build: (b: StreamsBuilder) => void, data: Input): Promise<void> {
  const runs: Measurement[] = []
  for (let i = 0; i < RUNS; i++) runs.push(await runOnce(build, data))
  const rates = runs.map((r) => N / r.seconds)
  const cpus = runs.map((r) => (r.cpuSeconds / N) * 1e6)
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
  console.log(
    `| ${name} | ${fmt(Math.max(...rates))} | ${fmt(median(rates))} | ${Math.min(...cpus).toFixed(2)} | ${median(cpus).toFixed(2)} | ${runs[0]!.outputs} |`,
  )
}

const data = input()
console.log(`\ntask only: records=${N} keys=${KEYS} runs=${RUNS} node=${process.version}`)
console.log('| workload | records/s best | records/s median | CPU s per 1M best | CPU s per 1M median | records sent (sink + changelog) |')
console.log('|---|---:|---:|---:|---:|---:|')
const only = args.only
if (!only || only === 'a') {
  await run('(a) filter + mapValues', (b) => {
    b.stream('input', { key: Serdes.string(), value: Serdes.long() })
      .filter((_k, v) => v % 2 === 0)
      .mapValues((v) => `v${v * 2}`)
      .to('output', { key: Serdes.string(), value: Serdes.string() })
  }, data)
}
for (const storeType of ['memory', 'rocksdb'] as const) {
  if (only && only !== storeType) continue
  await run(`(b) count ${storeType}`, (b) => {
    b.stream('input', { key: Serdes.string(), value: Serdes.long() })
      .groupByKey()
      .count({ storeName: 'counts', storeType })
      .toStream()
      .to('output', { key: Serdes.string(), value: Serdes.long() })
  }, data)
}
