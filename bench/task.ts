/**
 * The task engine alone, without broker or runtime: one StreamTask fed pre-built consumer records,
 * output into an in-memory collector that is drained (dropped) every batch. Separates the cost of
 * processing (serdes, processors, stores) from the embedded broker's poll/produce path, which
 * `bench/engine.ts` includes.
 *
 *   node bench/task.ts [--records 1000000] [--keys 10000] [--only a|memory|rocksdb]
 */
import { parseArgs } from 'node:util'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Serdes, StreamsBuilder } from '../src/index.ts'
import type { ConsumerRecord } from '../src/client/port.ts'
import { StreamTask } from '../src/runtime/task/stream-task.ts'
import { InMemoryRecordCollector } from '../src/runtime/task/in-memory-record-collector.ts'

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    keys: { type: 'string', default: '10000' },
    only: { type: 'string' },
  },
})
const N = Number(args.records)
const KEYS = Number(args.keys)
const BATCH = 1000

function input(): ConsumerRecord[] {
  const keys: Buffer[] = []
  for (let k = 0; k < KEYS; k++) keys.push(Serdes.string().serialize('input', `key-${k}`))
  const out: ConsumerRecord[] = []
  for (let i = 0; i < N; i++) {
    out.push({ topic: 'input', partition: 0, offset: i, key: keys[i % KEYS]!, value: Serdes.long().serialize('input', i), timestamp: 1_700_000_000_000 + i, headers: {} })
  }
  return out
}

async function run(name: string, build: (b: StreamsBuilder) => void, records: ConsumerRecord[]): Promise<void> {
  const builder = new StreamsBuilder()
  build(builder)
  const compiled = builder.build().compile('bench-task')
  const stateDir = mkdtempSync(join(tmpdir(), 'kstreams-bench-task-'))
  const collector = new InMemoryRecordCollector()
  const task = new StreamTask(compiled.subtopologies[0]!, 0, { applicationId: 'bench-task', collector, stateDir })
  await task.openStores()
  task.initialize()
  let outputs = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < records.length; i += BATCH) {
    task.addRecords('input', 0, records.slice(i, i + BATCH))
    task.processBatch(Number.MAX_SAFE_INTEGER)
    outputs += collector.drain().length
  }
  task.prepareCommit()
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  task.close(true)
  rmSync(stateDir, { recursive: true, force: true })
  const cpuPerM = ((cpu.user + cpu.system) / 1e6 / N) * 1e6
  console.log(`| ${name} | ${Math.round(N / seconds).toLocaleString('en-US')} | ${cpuPerM.toFixed(2)} | ${seconds.toFixed(2)} | ${outputs} |`)
}

const records = input()
console.log(`\ntask only: records=${N} keys=${KEYS} node=${process.version}`)
console.log('| workload | records/s | CPU s per 1M records | wall s | records sent (sink + changelog) |')
console.log('|---|---:|---:|---:|---:|')
const only = args.only
if (!only || only === 'a') {
  await run('(a) filter + mapValues', (b) => {
    b.stream('input', { key: Serdes.string(), value: Serdes.long() })
      .filter((_k, v) => v % 2 === 0)
      .mapValues((v) => `v${v * 2}`)
      .to('output', { key: Serdes.string(), value: Serdes.string() })
  }, records)
}
for (const storeType of ['memory', 'rocksdb'] as const) {
  if (only && only !== storeType) continue
  await run(`(b) count ${storeType}`, (b) => {
    b.stream('input', { key: Serdes.string(), value: Serdes.long() })
      .groupByKey()
      .count({ storeName: 'counts', storeType })
      .toStream()
      .to('output', { key: Serdes.string(), value: Serdes.long() })
  }, records)
}
