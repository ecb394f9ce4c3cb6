/**
 * How each kind of workload is measured, given a started contender:
 *  - throughput (W0-W4): from the contender's "started" event (just before `start()`, so startup
 *    and the first rebalance count, as in Kafka Streams' own benchmarks) until the output topics
 *    hold the expected number of records; then, after a short settle, the count is taken again
 *    (more than expected means duplicates: ✘);
 *  - restore (W5): the contender's own figures, restore listener start → end, or the raw read;
 *  - latency (W6): in latency.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Admin } from 'kafkajs'
import { Contender, type Runtime } from './contender.ts'

export interface Sample {
  /** From the first output record to the last (the steady rate, startup excluded). */
  readonly seconds: number
  /** From just before start() to the first output record (startup and first rebalance). */
  readonly startupSeconds: number
  /** Input records behind `seconds`. */
  readonly records: number
  /** From just before start() to the last output, and every input record: Kafka Streams' own method. */
  readonly totalSeconds: number
  readonly totalRecords: number
  readonly bytes: number
  readonly cpuSeconds: number
  readonly peakRss: number
  readonly outputs: number
  readonly expected: number
}

export interface RunSpec {
  readonly runtime: Runtime
  readonly workload: string
  readonly appId: string
  readonly input: string
  readonly output: string
  readonly records: number
  readonly bytes: number
  readonly expected: number
  readonly table?: string | undefined
  readonly guarantee?: 'alos' | 'eos'
  readonly commitMs?: number
}

export interface Env {
  readonly admin: Admin
  readonly brokers: string
  readonly classpath: string | undefined
  /** Extra flags for Node contenders (e.g. --cpu-prof). */
  readonly nodeFlags: ReadonlyArray<string>
}

export async function topicRecords(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic)
  return offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function startContender(env: Env, spec: RunSpec, stateDir: string): Contender {
  return new Contender(spec.runtime, env.classpath, {
    workload: spec.workload,
    brokers: env.brokers,
    'app-id': spec.appId,
    input: spec.input,
    output: spec.output,
    'state-dir': stateDir,
    guarantee: spec.guarantee ?? 'alos',
    'commit-ms': String(spec.commitMs ?? 1000),
    ...(spec.table ? { table: spec.table } : {}),
  }, env.nodeFlags)
}

export async function throughput(env: Env, spec: RunSpec, timeoutMs: number): Promise<Sample> {
  const stateDir = mkdtempSync(join(tmpdir(), 'kstreams-sbs-'))
  const contender = startContender(env, spec, stateDir)
  try {
    await contender.next('started')
    const t0 = performance.now()
    let failure: Error | undefined
    contender.next('never').catch((e: Error) => void (failure = e))
    let outputs = 0
    let first = NaN
    let firstOutputs = 0
    while ((outputs = await topicRecords(env.admin, spec.output)) < spec.expected) {
      if (Number.isNaN(first) && outputs > 0) {
        first = performance.now()
        firstOutputs = outputs
      }
      if (failure) throw failure
      if (performance.now() - t0 > timeoutMs) throw new Error(`${spec.appId}: ${outputs}/${spec.expected} outputs after ${timeoutMs} ms`)
      await sleep(20)
    }
    const t1 = performance.now()
    const { cpuSeconds, peakRss } = contender.usage()
    await sleep(1000)
    outputs = await topicRecords(env.admin, spec.output)
    // The steady rate counts the input records behind the outputs seen after the first poll.
    if (Number.isNaN(first) || t1 - first < 200) {
      first = t0
      firstOutputs = 0
    }
    const seconds = (t1 - first) / 1000
    const records = spec.records * (1 - firstOutputs / spec.expected)
    const bytes = spec.bytes * (1 - firstOutputs / spec.expected)
    return { seconds, startupSeconds: (first - t0) / 1000, totalSeconds: (t1 - t0) / 1000, records, totalRecords: spec.records, bytes, cpuSeconds, peakRss, outputs, expected: spec.expected }
  } finally {
    await contender.stop()
    rmSync(stateDir, { recursive: true, force: true })
  }
}

/** W5: a restore (`workload` w5, figures from the restore listener) or a raw read (w5-read). */
export async function restore(env: Env, spec: RunSpec): Promise<Sample> {
  const stateDir = mkdtempSync(join(tmpdir(), 'kstreams-sbs-'))
  const contender = startContender(env, spec, stateDir)
  try {
    const figures = await contender.next(spec.workload === 'w5' ? 'restored' : 'read')
    const { cpuSeconds, peakRss } = contender.usage()
    return {
      seconds: figures.ms! / 1000,
      startupSeconds: 0,
      totalSeconds: figures.ms! / 1000,
      totalRecords: figures.records!,
      records: figures.records!,
      bytes: spec.bytes,
      cpuSeconds,
      peakRss,
      outputs: figures.records!,
      expected: spec.expected,
    }
  } finally {
    await contender.stop()
    rmSync(stateDir, { recursive: true, force: true })
  }
}
