/**
 * `npm run bench` (never part of `npm test`): kstreams side by side with Java Kafka Streams and the
 * raw clients, on the same broker, the same data, in one run (issue 8; method in
 * docs/benchmarks.md). Pre-loads the inputs once, then runs every contender one after another,
 * `--repeats` times (interleaved, so drift hits all alike), and prints a table per workload;
 * the tables and an SVG chart land in bench/results/ (timestamped, plus latest.md/latest.svg).
 *
 *   npm run bench [-- --quick] [--records 200000] [--repeats 3] [--only w1,w3] [--no-java]
 *                 [--restore-keys 1000000] [--rate 10000] [--warmup 5] [--measure 20] [--cpu-prof <dir>]
 *
 * Broker: KAFKA_BROKERS, else 127.0.0.1:9092 — started with infra/services.sh (and stopped at
 * the end) when nothing answers there. The older single-runtime benches (engine.ts, task.ts,
 * kafka-runtime.ts, broker.ts) are run directly with node.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Kafka, logLevel } from 'kafkajs'
import { brokerProblem } from '../test/helpers/services.ts'
import { buildJava, javaVersion, type Runtime } from './side-by-side/contender.ts'
import { createTopics, loadChangelog, loadStream, loadTable, type InputTopic } from './side-by-side/data.ts'
import { latency } from './side-by-side/latency.ts'
import { restore, throughput, type Env, type Sample } from './side-by-side/measure.ts'
import { consoleReport, markdownReport, rate, svgChart, type LatencyRow, type Row } from './side-by-side/report.ts'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    records: { type: 'string' },
    keys: { type: 'string', default: '10000' },
    'value-bytes': { type: 'string', default: '100' },
    partitions: { type: 'string', default: '2' },
    repeats: { type: 'string' },
    'restore-keys': { type: 'string' },
    rate: { type: 'string', default: '10000' },
    warmup: { type: 'string' },
    measure: { type: 'string' },
    only: { type: 'string' },
    'no-java': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    results: { type: 'string', default: join(import.meta.dirname, 'results') },
  },
})
const quick = args.quick
const N = Number(args.records ?? (quick ? 50_000 : 200_000))
const REPEATS = Number(args.repeats ?? (quick ? 1 : 3))
const RESTORE_KEYS = Number(args['restore-keys'] ?? (quick ? 100_000 : 1_000_000)) // issue 8: one million distinct keys
const KEYS = Number(args.keys)
const VALUE_BYTES = Number(args['value-bytes'])
const PARTITIONS = Number(args.partitions)
const RATE = Number(args.rate)
const WARMUP_S = Number(args.warmup ?? (quick ? 3 : 5))
const MEASURE_S = Number(args.measure ?? (quick ? 8 : 20))
const only = args.only ? new Set(args.only.toLowerCase().split(',')) : undefined
const wants = (w: string) => only === undefined || only.has(w)
const JAVA = !args['no-java']
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
const root = join(import.meta.dirname, '..')
const log = (line: string) => console.log(`[bench] ${line}`)

// ---------- broker: use the one that answers, or start the local one like npm test does ----------
let startedKafka = false
if ((await brokerProblem()) !== undefined) {
  if (!/^(127\.0\.0\.1|localhost)(:|$)/.test(brokers)) throw new Error(`no broker answers at ${brokers}`)
  log(`no broker at ${brokers}: starting one with infra/services.sh (1 GB heap)`)
  const env = { ...process.env, KAFKA_JVM_OPTS: process.env.KAFKA_JVM_OPTS ?? '-Xms1g -Xmx1g' }
  if (spawnSync('bash', [join(root, 'infra', 'services.sh'), 'start', 'kafka'], { stdio: 'inherit', env }).status !== 0) throw new Error('could not start kafka')
  startedKafka = true
}

const machine = {
  cores: cpus().length,
  cpu: /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? '?',
  node: process.version,
  java: JAVA ? javaVersion() : '(not run)',
  loadBefore: loadavg().map((l) => l.toFixed(2)).join(' '),
}
const classpath = JAVA ? buildJava() : undefined
const kafka = new Kafka({ brokers: brokers.split(','), clientId: 'bench', logLevel: logLevel.NOTHING })
const admin = kafka.admin()
await admin.connect()
if (args['cpu-prof']) mkdirSync(args['cpu-prof'], { recursive: true })
const env: Env = { admin, brokers, classpath, nodeFlags: args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : [] }
const run = `bench-${Date.now().toString(36)}`
const topic = (name: string) => `${run}-${name}`

// ---------- pre-load ----------
const producer = kafka.producer()
await producer.connect()
const loadStarted = performance.now()
await createTopics(admin, [topic('uniform'), topic('zipf'), topic('table')], PARTITIONS)
const inputs: Record<'uniform' | 'zipf', InputTopic> = {
  uniform: await loadStream(producer, topic('uniform'), { records: N, keys: KEYS, valueBytes: VALUE_BYTES, skew: 'uniform', seed: 1 }),
  zipf: wants('w2') || wants('w3') ? await loadStream(producer, topic('zipf'), { records: N, keys: KEYS, valueBytes: VALUE_BYTES, skew: 'zipf', seed: 2 }) : { topic: topic('zipf'), records: 0, bytes: 0, evens: 0 },
}
await loadTable(producer, topic('table'), KEYS, VALUE_BYTES, Date.now() - N - 1000)
const runtimes: Runtime[] = JAVA ? ['node', 'java'] : ['node']
if (wants('w5')) {
  for (const runtime of runtimes) {
    const appId = topic(`w5-${runtime}`)
    await createTopics(admin, [`${appId}-in`, `${appId}-out`], PARTITIONS)
    await createTopics(admin, [`${appId}-store-changelog`], PARTITIONS, true)
    await loadChangelog(producer, `${appId}-store-changelog`, RESTORE_KEYS)
  }
}
log(`pre-loaded ${N.toLocaleString('en-US')} records ×2 (uniform, zipf), ${KEYS} keys, ${VALUE_BYTES} B values, ${PARTITIONS} partitions${wants('w5') ? `, W5 changelogs of ${RESTORE_KEYS.toLocaleString('en-US')} keys` : ''} in ${((performance.now() - loadStarted) / 1000).toFixed(0)} s`)

// ---------- throughput workloads (W0-W4) ----------
interface Job { readonly id: string; readonly workload: string; readonly contender: string; readonly runtime: Runtime; readonly kind: string; readonly input: InputTopic; readonly expected: number; readonly table?: string }
const jobs: Job[] = []
const pair = (id: string, workload: string, kind: string, input: InputTopic, expected: number, names: [string, string], table?: string) => {
  if (!wants(id)) return
  jobs.push({ id, workload, contender: names[0], runtime: 'node', kind, input, expected, ...(table ? { table } : {}) })
  if (JAVA) jobs.push({ id, workload, contender: names[1], runtime: 'java', kind, input, expected, ...(table ? { table } : {}) })
}
const STREAMS: [string, string] = ['kstreams', 'Kafka Streams (Java)']
const u = inputs.uniform
const z = inputs.zipf
pair('w0', 'W0 ceiling: consume → produce, no state', 'w0', u, N, ['raw kafkajs: eachBatch → sendBatch', 'raw Java client: poll → send'])
pair('w1', 'W1 stateless: filter (keeps ~50%) + mapValues', 'w1', u, u.evens, STREAMS)
pair('w2', 'W2 RocksDB get + put + changelog per record (uniform keys)', 'w2', u, N, STREAMS)
pair('w2', 'W2 RocksDB get + put + changelog per record (Zipf 0.99 keys)', 'w2', z, N, STREAMS)
pair('w3', 'W3 groupByKey().count() (uniform keys)', 'w3', u, N, STREAMS)
pair('w3', 'W3 groupByKey().count() (Zipf 0.99 keys)', 'w3', z, N, STREAMS)
pair('w3', 'W3 windowed count, 1 s windows advancing 500 ms', 'w3w', u, 2 * N, STREAMS)
pair('w4', 'W4 stream–table left join (10k-key table loaded first)', 'w4', u, N, STREAMS, topic('table'))

const samples = new Map<string, Sample[]>()
const rowKey = (j: { workload: string; contender: string }) => `${j.workload}\u0000${j.contender}`
const timeoutMs = 60_000 + N / 2
for (let rep = 0; rep < REPEATS; rep++) {
  for (const [i, job] of jobs.entries()) {
    const appId = topic(`${job.kind}-${job.runtime}-${i}-${rep}`)
    const output = `${appId}-out`
    await createTopics(admin, [output], PARTITIONS)
    const spec = { runtime: job.runtime, workload: job.kind, appId, input: job.input.topic, output, records: job.input.records, bytes: job.input.bytes, expected: job.expected, table: job.table }
    try {
      const s = await throughput(env, spec, timeoutMs)
      samples.set(rowKey(job), [...(samples.get(rowKey(job)) ?? []), s])
      log(`${job.workload} | ${job.contender} | run ${rep + 1}/${REPEATS}: ${Math.round(s.records / s.seconds).toLocaleString('en-US')} records/s, outputs ${s.outputs}/${s.expected}`)
    } catch (error) {
      log(`${job.workload} | ${job.contender} | run ${rep + 1}: FAILED ${(error as Error).message}`)
    }
  }
  // ---------- W5 restore, beside a raw read of the same changelog ----------
  if (wants('w5')) {
    for (const runtime of runtimes) {
      const appId = topic(`w5-${runtime}`)
      const changelog = `${appId}-store-changelog`
      const names = runtime === 'node' ? ['kstreams: restore into RocksDB', 'raw kafkajs read (PartitionReader)'] : ['Kafka Streams (Java): restore into RocksDB', 'raw Java client: consumer read']
      for (const [kind, contender, input] of [['w5', names[0]!, `${appId}-in`], ['w5-read', names[1]!, changelog]] as const) {
        const spec = { runtime, workload: kind, appId: kind === 'w5' ? appId : `${appId}-read-${rep}`, input, output: `${appId}-out`, records: RESTORE_KEYS, bytes: RESTORE_KEYS * (16 + 8), expected: RESTORE_KEYS }
        const workload = `W5 restore of a ${RESTORE_KEYS.toLocaleString('en-US')}-key changelog`
        try {
          const s = await restore(env, spec)
          samples.set(rowKey({ workload, contender }), [...(samples.get(rowKey({ workload, contender })) ?? []), s])
          log(`${workload} | ${contender} | run ${rep + 1}/${REPEATS}: ${Math.round(s.records / s.seconds).toLocaleString('en-US')} records/s, ${s.records} records`)
        } catch (error) {
          log(`${workload} | ${contender} | run ${rep + 1}: FAILED ${(error as Error).message}`)
        }
      }
    }
  }
}

// ---------- W6 latency at a fixed rate (once per contender: each takes warm-up + measure seconds) ----------
const latencies: LatencyRow[] = []
if (wants('w6')) {
  const contenders: Array<{ runtime: Runtime; workload: string; guarantee: 'alos' | 'eos'; name: string }> = []
  for (const guarantee of ['alos', 'eos'] as const) {
    for (const runtime of runtimes) {
      contenders.push({ runtime, workload: 'w6', guarantee, name: `${runtime === 'node' ? 'kstreams' : 'Kafka Streams (Java)'}, ${guarantee === 'alos' ? 'at-least-once (commit 1 s)' : 'exactly-once (commit 100 ms)'}` })
    }
  }
  // The clients' own latency through a consume → produce pipe, for reference.
  contenders.push({ runtime: 'node', workload: 'w0', guarantee: 'alos', name: 'raw kafkajs: eachBatch → sendBatch' })
  if (JAVA) contenders.push({ runtime: 'java', workload: 'w0', guarantee: 'alos', name: 'raw Java client: poll → send' })
  for (const [i, c] of contenders.entries()) {
    const appId = topic(`w6-${c.runtime}-${c.workload}-${c.guarantee}-${i}`)
    await createTopics(admin, [`${appId}-in`, `${appId}-out`], PARTITIONS)
    try {
      const spec = { runtime: c.runtime, workload: c.workload, appId, input: `${appId}-in`, output: `${appId}-out`, records: 0, bytes: 0, expected: 0, guarantee: c.guarantee, commitMs: c.guarantee === 'alos' ? 1000 : 100 }
      const sample = await latency(env, spec, { rate: RATE, warmupS: WARMUP_S, measureS: MEASURE_S, keys: KEYS, filtered: c.workload === 'w6' })
      latencies.push({ contender: c.name, sample })
      log(`W6 | ${c.name}: p50 ${sample.p50} ms, p99 ${sample.p99} ms, p99.9 ${sample.p999} ms (${sample.received}/${sample.expected})`)
    } catch (error) {
      log(`W6 | ${c.name}: FAILED ${(error as Error).message}`)
    }
  }
}

// ---------- ratios, goals, report ----------
const rows: Row[] = []
for (const job of [...jobs, ...[...samples.keys()].filter((k) => k.startsWith('W5')).map((k) => ({ workload: k.split('\u0000')[0]!, contender: k.split('\u0000')[1]! }))]) {
  if (rows.some((r) => rowKey(r) === rowKey(job))) continue
  const s = samples.get(rowKey(job))
  if (s && s.length > 0) rows.push({ workload: job.workload, contender: job.contender, samples: s })
}
const find = (workload: string, contender: string) => rows.find((r) => r.workload.startsWith(workload) && r.contender.startsWith(contender))
const ratio = (a: Row | undefined, b: Row | undefined) => (a && b ? rate(a) / rate(b) : NaN)
const goals: string[] = []
for (const row of rows) {
  if (row.workload.startsWith('W0') && row.contender.startsWith('raw kafkajs')) row.note = `${ratio(row, find('W0', 'raw Java')).toFixed(2)} × raw Java`
  if (row.contender === 'kstreams') row.note = `${ratio(row, rows.find((r) => r.workload === row.workload && r.contender === STREAMS[1])).toFixed(2)} × Java`
  if (row.workload.startsWith('W5') && row.contender.includes('restore')) {
    const read = rows.find((r) => r.workload === row.workload && r.contender.startsWith(row.contender.startsWith('kstreams') ? 'raw kafkajs' : 'raw Java'))
    row.note = `${ratio(row, read).toFixed(2)} × raw read`
  }
}
const w1 = ratio(find('W1', 'kstreams'), find('W0', 'raw kafkajs'))
if (find('W1', 'kstreams')) find('W1', 'kstreams')!.note += `, ${w1.toFixed(2)} × raw kafkajs pipe`
const w3 = ratio(find('W3 groupByKey().count() (uniform', 'kstreams'), find('W3 groupByKey().count() (uniform', STREAMS[1]))
const w5 = ratio(find('W5', 'kstreams'), find('W5', 'raw kafkajs'))
const alos = latencies.find((l) => l.contender.startsWith('kstreams, at-least-once'))?.sample.p99 ?? NaN
const verdict = (ok: boolean, x: number) => (Number.isNaN(x) ? 'not measured' : ok ? '✔ met' : '✘ missed')
goals.push(`| W1 ≥ 0.7 × raw kafkajs pipe | ${w1.toFixed(2)} × | ${verdict(w1 >= 0.7, w1)} |`)
goals.push(`| W3 count ≥ 0.5 × Java Kafka Streams | ${w3.toFixed(2)} × | ${verdict(w3 >= 0.5, w3)} |`)
goals.push(`| W5 restore ≥ 0.8 × raw changelog read | ${w5.toFixed(2)} × | ${verdict(w5 >= 0.8, w5)} |`)
goals.push(`| W6 at-least-once p99 < 50 ms | ${alos} ms | ${verdict(alos < 50, alos)} |`)
const loadAfter = loadavg().map((l) => l.toFixed(2)).join(' ')
console.log(consoleReport(rows, latencies))
console.log(`\nGoals\n${goals.join('\n')}`)

const stamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\..*/, '')
const title = `kstreams vs Kafka Streams vs raw clients — records/s (median of ${REPEATS}), ${stamp}`
const md = [
  `# Side-by-side benchmark, ${new Date().toISOString()}`,
  '',
  `Machine: ${machine.cores} cores, ${machine.cpu}; Node ${machine.node}; ${machine.java}; broker ${brokers} (Kafka 3.9.2).`,
  `Load average (1/5/15 min) before: ${machine.loadBefore}; after: ${loadAfter} — the machine is shared, so compare ratios within this run, not absolute figures across runs.`,
  `Data: ${N.toLocaleString('en-US')} records per input, ${KEYS.toLocaleString('en-US')} keys, ${VALUE_BYTES} B values, ${PARTITIONS} partitions; ${REPEATS} repeat(s) (median, min–max); one stream thread, commit interval 1 s (EOS 100 ms), record caches off, RocksDB defaults.`,
  `CPU s / 1M rec: the contender process's user + system time from just before start() to the last output (W5: whole process); peak RSS: VmHWM.`,
  '',
  markdownReport(rows, latencies),
  '',
  '### Goals',
  '',
  '| goal | this run | |',
  '|---|---|---|',
  ...goals,
  '',
  `![records/s per workload](${stamp}.svg)`,
  '',
].join('\n')
mkdirSync(args.results, { recursive: true })
const svg = svgChart(rows, title)
writeFileSync(join(args.results, `${stamp}.md`), md)
writeFileSync(join(args.results, `${stamp}.svg`), svg)
writeFileSync(join(args.results, `${stamp}.json`), JSON.stringify({ machine, loadAfter, N, KEYS, VALUE_BYTES, PARTITIONS, REPEATS, RESTORE_KEYS, rows, latencies }, null, 1))
writeFileSync(join(args.results, 'latest.md'), md.replace(`(${stamp}.svg)`, '(latest.svg)'))
writeFileSync(join(args.results, 'latest.svg'), svg)
log(`written ${join(args.results, `${stamp}.md`)} (+ .svg, .json, latest.md, latest.svg)`)

// ---------- cleanup ----------
await producer.disconnect()
const ours = (await admin.listTopics()).filter((t) => t.startsWith(run))
await admin.deleteTopics({ topics: ours }).catch(() => {})
await admin.disconnect()
if (startedKafka) spawnSync('bash', [join(root, 'infra', 'services.sh'), 'stop', 'kafka'], { stdio: 'inherit' })
