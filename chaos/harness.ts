/**
 * One chaos run: the app's topics (unique per run), its instances, a load generator process
 * producing throughout, a log of every action and fault with its time, and at the end a quiet
 * moment, a clean stop of every instance, and the independent verifier's verdict.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { buildAuctionTopology } from '../examples/auction/topology.ts'
import { buildPaymentsTopology } from '../examples/payments/topology.ts'
import { AppTopics } from './app-topics.ts'
import { AppInstance, eventually, sleep } from './instance.ts'
import type { AppName } from './instance.ts'
import type { LoadConfig } from './load.ts'
import { Fleet, type InstanceSummary } from './fleet.ts'
import { LoadProcess } from './load-process.ts'
import type { LoadTotals } from './load-process.ts'
import { auctionSources, verifyAuction } from './verifier/auction.ts'
import { paymentsSources, verifyPayments } from './verifier/payments.ts'
import { awaitConsumed, describeUnconsumed } from './verifier/progress.ts'
import { openTransactions } from './verifier/read.ts'
import type { Verdict } from './verifier/verdict.ts'

export interface RunOptions {
  readonly app: AppName
  readonly brokers: ReadonlyArray<string>
  readonly partitions?: number
  /** Load records per second. */
  readonly rate?: number
  readonly guarantee?: 'exactly_once' | 'at_least_once'
  readonly commitIntervalMs?: number
  readonly sessionTimeoutMs?: number
  readonly bad?: number
  readonly poison?: number
  readonly accounts?: number
  /** Keep the topics and state directories afterwards. */
  readonly keep?: boolean
  readonly print?: (line: string) => void
}

export interface LogEntry {
  /** Seconds since the run began. */
  readonly t: number
  readonly kind: 'action' | 'fault' | 'step' | 'note'
  readonly what: string
}

/** A fault and what the output did across it: the committed output grew after it. */
export interface FaultRecord {
  readonly t: number
  readonly what: string
  readonly outputBefore: number
  outputAfter?: number
  /** Partitions with an open transaction at the moment of the fault. */
  openTransactions?: number
}

export interface RunReport {
  readonly app: AppName
  readonly tag: string
  readonly seconds: number
  readonly log: ReadonlyArray<LogEntry>
  readonly faults: ReadonlyArray<FaultRecord>
  readonly load: LoadTotals
  readonly unexpectedExits: ReadonlyArray<string>
  readonly instances: ReadonlyArray<InstanceSummary>
  readonly verdict: Verdict
}

export class ChaosRun {
  readonly options: RunOptions
  readonly app: AppName
  readonly tag: string
  readonly prefix: string
  readonly stateRoot: string
  readonly kafka: Kafka
  readonly topics: AppTopics
  readonly began = Date.now()
  readonly log: LogEntry[] = []
  readonly faults: FaultRecord[] = []
  readonly fleet = new Fleet((line) => this.note('note', line))
  /** Tasks of the app: its sub-topologies (a global store's makes none) × partitions. */
  readonly totalTasks: number
  #load: LoadProcess | undefined
  #lastMark = 0

  constructor(options: RunOptions) {
    this.options = options
    this.app = options.app
    this.tag = `chaos-${options.app.slice(0, 3)}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`
    this.prefix = `${this.tag}-`
    this.stateRoot = join(tmpdir(), this.tag)
    mkdirSync(this.stateRoot, { recursive: true })
    const topology = options.app === 'payments' ? buildPaymentsTopology({ storeType: 'memory' }) : buildAuctionTopology({ storeType: 'memory' })
    this.totalTasks = (topology.describe().toString().match(/Sub-topology: \d+$/gm) ?? []).length * (options.partitions ?? 4)
    this.kafka = new Kafka({ brokers: [...options.brokers], clientId: 'chaos-harness', logLevel: logLevel.NOTHING, retry: { retries: 10 } })
    this.topics = new AppTopics(this.kafka, this.app, this.tag, this.prefix)
  }

  get seconds(): number {
    return Math.round((Date.now() - this.began) / 100) / 10
  }

  note(kind: LogEntry['kind'], what: string): void {
    const entry = { t: this.seconds, kind, what }
    this.log.push(entry)
    this.options.print?.(`${`${entry.t.toFixed(1)}s`.padStart(7)}  ${kind.padEnd(6)} ${what}`)
  }

  /** The app's input and output topics, and (payments) its opened accounts. */
  async setUp(): Promise<void> {
    const partitions = this.options.partitions ?? 4
    await this.topics.create(partitions, this.options.accounts ?? 50)
    this.note('action', `topics created (${partitions} partitions, prefix ${this.prefix})${this.app === 'payments' ? `, ${this.options.accounts ?? 50} accounts opened` : ''}`)
  }

  /** Starts an instance whose state lives in `<stateRoot>/<name>` (the same name reuses the directory). */
  start(name: string): AppInstance {
    const args = [
      '--app-id', this.tag, '--partitions', String(this.options.partitions ?? 4), '--guarantee', this.options.guarantee ?? 'exactly_once',
      '--session-timeout', String(this.options.sessionTimeoutMs ?? 6000), '--state-dir', this.stateDir(name),
      ...(this.options.commitIntervalMs !== undefined ? ['--commit-interval', String(this.options.commitIntervalMs)] : []),
    ]
    const instance = new AppInstance({ app: this.app, brokers: this.options.brokers, prefix: this.prefix, args, name, env: { KSTREAMS_REPORT_RESTORES: '1' } })
    this.fleet.add(instance)
    this.note('action', `started ${name} (pid ${instance.pid})`)
    return instance
  }

  /** `kill -9` of an instance, as a fault. */
  async kill(instance: AppInstance, why = ''): Promise<void> {
    await this.fleet.retire(instance)
    await this.fault(`kill -9 ${instance.name} (pid ${instance.pid})${why}`, () => instance.kill())
  }

  /** A clean stop (SIGTERM) of an instance: a disruption too (its tasks move), logged as a fault. */
  async stop(instance: AppInstance): Promise<void> {
    await this.fleet.retire(instance)
    let code: number | null = null
    await this.fault(`clean stop (SIGTERM) of ${instance.name} (pid ${instance.pid})`, async () => {
      code = await instance.stop()
    })
    if (code !== 143) this.note('note', `${instance.name} exited with ${code} on SIGTERM (expected 143)`)
  }

  stateDir(name: string): string {
    return join(this.stateRoot, name)
  }

  startLoad(overrides: Partial<LoadConfig> = {}): void {
    const config: LoadConfig = {
      app: this.app,
      brokers: this.options.brokers,
      prefix: this.prefix,
      runId: this.tag,
      rate: this.options.rate ?? 100,
      bad: this.options.bad ?? 0.02,
      poison: this.options.poison ?? 0,
      accounts: this.options.accounts ?? 50,
      ...overrides,
    }
    this.#load = new LoadProcess(config, (what) => this.note('note', what))
    this.note('action', `load started: ${config.rate} records/s${config.poison ? `, poison pills ${config.poison}` : ''}${config.bad ? `, bad by design ${config.bad}` : ''}`)
  }

  async stopLoad(): Promise<LoadTotals> {
    const totals = await this.#load!.stop()
    this.note('action', `load stopped: ${totals.sent} records sent${totals.failed ? `, ${totals.failed} dropped with failed transactions` : ''}`)
    return totals
  }

  /** Σ read_committed end offsets of the app's output topics: grows as results commit. */
  async outputMark(): Promise<number> {
    this.#lastMark = await this.topics.committedOutput()
    return this.#lastMark
  }

  /**
   * Every live instance (but `except`) RUNNING, every task run by exactly one of them, then the
   * committed output growing: one step of a scenario done.
   */
  async settle(label: string, { except = [] as AppInstance[], timeoutMs = 240_000 } = {}): Promise<void> {
    const t0 = Date.now()
    this.fleet.checkExits()
    const waiting = eventually(`${label}: every instance RUNNING and every task assigned once`, async () => {
      const hs = await Promise.all(this.fleet.live().filter((i) => !except.includes(i)).map((i) => this.fleet.health(i)))
      // ERROR is terminal (as in Kafka Streams): no point waiting it out.
      if (hs.some((h) => h.state === 'ERROR')) throw new Error(`${label}: an instance is in state ERROR (${hs.map((h) => h.state).join(', ')})`)
      const tasks = hs.flatMap((h) => h.activeTasks)
      return { states: hs.map((h) => h.state), tasks: tasks.length, unique: new Set(tasks).size }
    }, (v) => v.states.length > 0 && v.states.every((s) => s === 'RUNNING') && v.tasks === this.totalTasks && v.unique === v.tasks && v.tasks > 0, timeoutMs)
    await waiting.catch(async (error: Error) => {
      this.keepLogs()
      const hs = await Promise.all(this.fleet.instances.map(async (i) => `--- ${i.name} (pid ${i.pid}, ${i.alive ? (await i.health()).state : 'exited'}):\n${i.output.slice(-3000)}`))
      throw new Error(`${error.message}\n${hs.join('\n')}`)
    })
    const mark = await this.outputMark()
    await eventually(`${label}: committed output to grow past ${mark}`, () => this.outputMark(), (m) => m > mark, timeoutMs)
    for (const f of this.faults) if (f.outputAfter === undefined) f.outputAfter = await this.outputMark()
    this.fleet.checkExits()
    this.note('step', `${label}: running, ${this.totalTasks} tasks over ${this.fleet.live().length - except.length} instances, output growing (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
  }

  /**
   * Logs a fault, with the committed output before it and whether a transaction was open then;
   * `measure: false` when the broker is down (the last mark seen stands in).
   */
  async fault(what: string, inject: () => Promise<void> | void, { measure = true } = {}): Promise<void> {
    const outputBefore = measure ? await this.outputMark() : this.#lastMark
    const open = measure ? (await openTransactions(this.kafka, await this.topics.list())).length : undefined
    const record: FaultRecord = { t: this.seconds, what, outputBefore, ...(open !== undefined ? { openTransactions: open } : {}) }
    await inject()
    this.faults.push(record)
    this.note('fault', `${what}${open !== undefined ? ` (${open} partitions had an open transaction)` : ''}`)
  }

  /** Sleeps while the load flows, reporting progress. */
  async hold(ms: number): Promise<void> {
    if (ms <= 0) return
    await sleep(ms)
  }

  /** After the load stopped: every app topic's committed end unchanged for `quietMs`. */
  async quiet(quietMs: number, timeoutMs = 240_000): Promise<void> {
    const t0 = Date.now()
    let last = ''
    let since = Date.now()
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const now = await this.topics.committedEnds()
      if (now !== last) {
        last = now
        since = Date.now()
      } else if (Date.now() - since >= quietMs) break
      if (Date.now() > deadline) throw new Error(`no quiet moment within ${timeoutMs} ms`)
      await sleep(1000)
    }
    this.note('step', `quiet: no committed change on any app topic for ${quietMs / 1000} s (${((Date.now() - t0) / 1000).toFixed(1)} s after the load stopped)`)
  }

  /** Stops the load, waits for a quiet moment, stops every instance cleanly, and verifies. */
  async finish(): Promise<RunReport> {
    const load = await this.stopLoad()
    await this.quiet(Math.max(6000, (this.options.commitIntervalMs ?? 100) + 3000))
    // Quiet is not done: a task stalled after a fault is quiet too. Wait for the group to have
    // consumed every source record; if it never does, the verdict's first invariant says where.
    const names = { prefix: this.prefix, applicationId: this.tag }
    const sources = this.app === 'payments' ? paymentsSources(names) : auctionSources(names)
    const t0 = Date.now()
    const left = await awaitConsumed(this.kafka, this.tag, sources, 120_000, (l) => this.note('note', `not yet consumed: ${describeUnconsumed(l)}`))
    this.note('step', left.length === 0
      ? `consumed: every source partition read to its end (${((Date.now() - t0) / 1000).toFixed(1)} s more)`
      : `NOT consumed after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${describeUnconsumed(left)}`)
    await Promise.all(this.fleet.live().map((i) => this.fleet.health(i)))
    this.fleet.checkExits()
    const exits = new Map<AppInstance, number | null>()
    for (const i of this.fleet.instances) if (!i.alive) exits.set(i, await i.exited)
    await Promise.all(this.fleet.live().map(async (i) => exits.set(i, await i.stop())))
    this.note('action', `stopped every instance cleanly; verifying`)
    const verdict = this.app === 'payments' ? await verifyPayments(this.kafka, names) : await verifyAuction(this.kafka, names)
    if (!verdict.ok || this.fleet.unexpectedExits.length > 0 || this.options.keep) this.keepLogs()
    return {
      app: this.app,
      tag: this.tag,
      seconds: this.seconds,
      log: this.log,
      faults: this.faults,
      load,
      unexpectedExits: this.fleet.unexpectedExits,
      instances: this.fleet.summary(exits),
      verdict,
    }
  }

  /** Writes every instance's output and the run's log to `/tmp/<run>-logs/`. */
  keepLogs(): void {
    const dir = join(tmpdir(), `${this.tag}-logs`)
    mkdirSync(dir, { recursive: true })
    for (const i of this.fleet.instances) writeFileSync(join(dir, `${i.name}-${i.pid}.log`), i.output)
    writeFileSync(join(dir, 'run.log'), this.log.map((e) => `${e.t.toFixed(1)}s ${e.kind} ${e.what}`).join('\n'))
    this.note('note', `instance output kept in ${dir}`)
  }

  /** Kills what is left, and (unless kept) deletes the run's topics and state. */
  async cleanUp(): Promise<void> {
    for (const i of this.fleet.instances) if (i.alive) await i.kill()
    this.#load?.kill()
    if (this.options.keep) return
    rmSync(this.stateRoot, { recursive: true, force: true })
    await this.topics.delete()
  }
}
