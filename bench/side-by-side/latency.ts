/**
 * W6: end-to-end latency at a fixed offered rate. While the contender runs W1's topology, a
 * producer here sends `rate` records/s in 10 ms ticks, each stamped with its send time as the
 * record's CreateTime; a consumer on the output (read_committed under exactly-once) takes
 * wall clock − the output record's timestamp (Kafka Streams carries the input timestamp to the
 * output, and so does kstreams). Records sent during the warm-up are not counted.
 */
import { randomFillSync } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { keyOf } from './data.ts'
import { startContender, type Env, type RunSpec } from './measure.ts'

export interface LatencySample {
  readonly p50: number
  readonly p99: number
  readonly p999: number
  readonly max: number
  readonly received: number
  readonly expected: number
  readonly cpuSeconds: number
  readonly peakRss: number
  readonly seconds: number
  /** Records offered (warm-up included), over which the CPU time is spread. */
  readonly sent: number
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const quantile = (sorted: Float64Array, q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN

export async function latency(env: Env, spec: RunSpec, options: { rate: number; warmupS: number; measureS: number; keys: number; filtered: boolean }): Promise<LatencySample> {
  const kafka = new Kafka({ brokers: env.brokers.split(','), clientId: `${spec.appId}-driver`, logLevel: logLevel.NOTHING })
  const producer = kafka.producer()
  const consumer = kafka.consumer({ groupId: `${spec.appId}-sink`, maxWaitTimeInMs: 100, readUncommitted: spec.guarantee !== 'eos' })
  const stateDir = mkdtempSync(join(tmpdir(), 'kstreams-sbs-'))
  const contender = startContender(env, spec, stateDir)
  const latencies: number[] = []
  let measureFrom = Infinity
  try {
    await contender.next('running')
    await Promise.all([producer.connect(), consumer.connect()])
    await consumer.subscribe({ topic: spec.output, fromBeginning: true })
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()))
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const now = Date.now()
        for (const m of batch.messages) {
          const sent = Number(m.timestamp)
          if (sent >= measureFrom) latencies.push(now - sent)
        }
      },
    })
    await joined
    const t0 = performance.now()
    const tCpu = contender.usage().cpuSeconds
    const keys = Array.from({ length: options.keys }, (_, k) => Buffer.from(keyOf(k)))
    const slab = Buffer.allocUnsafe(100 * options.rate)
    let sent = 0
    let expected = 0
    const end = (options.warmupS + options.measureS) * 1000
    const pending = new Set<Promise<unknown>>()
    for (let elapsed = 0; elapsed < end; elapsed = performance.now() - t0) {
      if (measureFrom === Infinity && elapsed >= options.warmupS * 1000) measureFrom = Date.now()
      // A stalled tick (the machine is shared) is caught up at most one second's worth at a time.
      const due = Math.min(options.rate, Math.floor((elapsed / 1000) * options.rate) - sent)
      if (due > 0) {
        randomFillSync(slab, 0, due * 100)
        const timestamp = Date.now()
        const messages = Array.from({ length: due }, (_, i) => {
          const value = Buffer.from(slab.subarray(i * 100, (i + 1) * 100))
          if (timestamp >= measureFrom && (!options.filtered || (value[0]! & 1) === 0)) expected++
          return { key: keys[(sent + i) % keys.length]!, value, timestamp: String(timestamp) }
        })
        sent += due
        const p = producer.send({ topic: spec.input, messages }).finally(() => pending.delete(p))
        pending.add(p)
      }
      await sleep(10)
    }
    await Promise.all(pending)
    const seconds = (performance.now() - t0) / 1000
    // Stragglers: wait until everything measured arrived, or 10 s.
    for (const t = performance.now(); latencies.length < expected && performance.now() - t < 10_000;) await sleep(50)
    const { cpuSeconds, peakRss } = contender.usage()
    const sorted = Float64Array.from(latencies).sort()
    return {
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      p999: quantile(sorted, 0.999),
      max: sorted[sorted.length - 1] ?? NaN,
      received: latencies.length,
      expected,
      cpuSeconds: cpuSeconds - tCpu,
      peakRss,
      seconds,
      sent,
    }
  } finally {
    await Promise.allSettled([consumer.disconnect(), producer.disconnect()])
    await contender.stop()
    rmSync(stateDir, { recursive: true, force: true })
  }
}
