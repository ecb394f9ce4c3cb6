/**
 * The fault scenarios (shared/reference/reliability-scenarios.md §8), each a script over a
 * `ChaosRun` with the load flowing throughout. `durationS` is spread over the steps as holds
 * between faults; each step also waits for every instance RUNNING and the committed output to
 * grow, however long that takes.
 */
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startOwnBroker } from './broker.ts'
import type { OwnBroker } from './broker.ts'
import { ChaosRun } from './harness.ts'
import type { RunOptions, RunReport } from './harness.ts'
import type { AppName } from './instance.ts'

export const SCENARIO_NAMES = ['scale', 'scale-kill', 'freeze', 'state-loss', 'broker-bounce', 'poison', 'auction-timers'] as const
export type ScenarioName = (typeof SCENARIO_NAMES)[number]

export interface ScenarioOptions {
  readonly scenario: ScenarioName
  readonly durationS: number
  readonly app?: AppName
  /** Kafka to run on; broker-bounce ignores it and starts a broker of its own. */
  readonly brokers: ReadonlyArray<string>
  readonly rate?: number
  readonly partitions?: number
  readonly keep?: boolean
  readonly print?: (line: string) => void
}

interface Scenario {
  readonly app: AppName
  readonly describe: string
  readonly options?: Partial<RunOptions>
  readonly ownBroker?: boolean
  script(run: ChaosRun, hold: (steps: number) => Promise<void>, broker?: OwnBroker): Promise<void>
}

/** Every `.checkpoint` file under `dir`. */
function checkpoints(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (name === '.checkpoint') out.push(path)
    }
  }
  walk(dir)
  return out
}

async function scaleSequence(run: ChaosRun, hold: (steps: number) => Promise<void>, kills: boolean): Promise<void> {
  // 1 → 2 → 3 → 2 → 3 → 2 → 1; with kills, each step down is a kill -9 and the next step up
  // reuses the killed instance's state directory (an unclean exactly-once stop to recover from).
  const a = run.start('i1')
  await run.settle('1 instance')
  await hold(1)
  const b = run.start('i2')
  await run.settle('2 instances')
  await hold(1)
  const c = run.start('i3')
  await run.settle('3 instances')
  await hold(1)
  if (kills) await run.kill(c, ' (3 → 2)')
  else await run.stop(c)
  await run.settle('2 instances')
  await hold(1)
  const d = run.start(kills ? 'i3' : 'i4')
  await run.settle('3 instances again')
  await hold(1)
  if (kills) await run.kill(b, ' (3 → 2)')
  else await run.stop(b)
  await run.settle('2 instances')
  await hold(1)
  if (kills) await run.kill(d, ' (2 → 1)')
  else await run.stop(d)
  await run.settle('1 instance')
  await hold(1)
  void a
}

export const SCENARIOS: { readonly [K in ScenarioName]: Scenario } = {
  'scale': {
    app: 'payments',
    describe: 'instances 1 → 2 → 3 → 2 → 3 → 2 → 1, clean stops, each step waiting for RUNNING and progress',
    script: (run, hold) => scaleSequence(run, hold, false),
  },
  'scale-kill': {
    app: 'payments',
    describe: 'the scale sequence with each step down a kill -9 (three), exactly-once, commit interval 5 s so kills land in open transactions',
    options: { commitIntervalMs: 5000, guarantee: 'exactly_once' },
    script: (run, hold) => scaleSequence(run, hold, true),
  },
  'freeze': {
    app: 'payments',
    describe: 'an instance frozen (SIGSTOP) past the session timeout, its tasks taken over, then thawed (SIGCONT): it must be fenced',
    options: { commitIntervalMs: 1000 },
    async script(run, hold) {
      run.start('i1')
      const b = run.start('i2')
      await run.settle('2 instances')
      await hold(1)
      await run.fault(`SIGSTOP i2 (pid ${b.pid}) for longer than the ${(run.options.sessionTimeoutMs ?? 6000) / 1000} s session timeout`, () => b.signal('SIGSTOP'))
      await run.settle('i1 took over every task', { except: [b] })
      await hold(1)
      await run.fault(`SIGCONT i2 (pid ${b.pid}): the zombie wakes with its transactions open`, () => b.signal('SIGCONT'))
      await run.settle('2 instances after the thaw')
      await hold(1)
    },
  },
  'state-loss': {
    app: 'payments',
    describe: 'state lost before restarts: one instance\'s checkpoint files corrupted after a clean stop, another\'s state directory deleted after a kill -9',
    async script(run, hold) {
      const a = run.start('i1')
      const b = run.start('i2')
      await run.settle('2 instances')
      await hold(1)
      await run.stop(a)
      const files = checkpoints(run.stateDir('i1'))
      await run.fault(`corrupt ${files.length} checkpoint files of i1`, () => {
        for (const f of files) writeFileSync(f, 'not a checkpoint\n\u0000\u0001garbage')
      })
      await run.settle('i2 alone')
      await run.kill(b)
      await run.fault('delete the whole state directory of i2', () => rmSync(run.stateDir('i2'), { recursive: true, force: true }))
      run.start('i1')
      run.start('i2')
      await run.settle('both restarted on damaged state')
      await hold(2)
    },
  },
  'broker-bounce': {
    app: 'payments',
    describe: 'the broker killed (kill -9) and restarted while the apps run (a broker of the harness\'s own)',
    ownBroker: true,
    async script(run, hold, broker) {
      run.start('i1')
      run.start('i2')
      await run.settle('2 instances')
      await hold(1)
      await run.fault('kill -9 the broker', () => broker!.kill())
      await new Promise((resolve) => setTimeout(resolve, 5000))
      await run.fault('restart the broker on the same data', () => broker!.restart(), { measure: false })
      await run.settle('after the bounce')
      await hold(1)
    },
  },
  'poison': {
    app: 'payments',
    describe: 'poison pills (null value, non-UTF-8, not an object, 200 KB, truncated JSON) one per thousand inputs, and a kill -9 mid-way',
    options: { poison: 0.001 },
    async script(run, hold) {
      run.start('i1')
      const b = run.start('i2')
      await run.settle('2 instances')
      await hold(1)
      await run.kill(b)
      await run.settle('i1 alone')
      run.start('i2')
      await run.settle('2 instances again')
      await hold(1)
    },
  },
  'auction-timers': {
    app: 'auction',
    describe: 'auctions of 5-20 s closing all the time, instances killed (kill -9) and restarted around the expiries: each expiry must fire exactly once',
    options: { commitIntervalMs: 1000 },
    async script(run, hold) {
      const a = run.start('i1')
      const b = run.start('i2')
      await run.settle('2 instances')
      await hold(1)
      await run.kill(a, ' while auctions are due')
      await run.settle('i2 alone')
      run.start('i1')
      await run.settle('2 instances again')
      await hold(1)
      await run.kill(b, ' while auctions are due')
      await run.settle('i1 alone')
      run.start('i2')
      await run.settle('2 instances again')
      await hold(1)
    },
  },
}

const HOLDS: { readonly [K in ScenarioName]: number } = { 'scale': 7, 'scale-kill': 7, 'freeze': 3, 'state-loss': 3, 'broker-bounce': 2, 'poison': 2, 'auction-timers': 3 }

/** Runs a scenario start to end, the verdict included; always cleans up (its own broker too). */
export async function runScenario(options: ScenarioOptions): Promise<RunReport> {
  const scenario = SCENARIOS[options.scenario]
  const app = options.app ?? scenario.app
  const broker = scenario.ownBroker ? await startOwnBroker() : undefined
  const print = options.print
  if (broker) print?.(`own broker at ${broker.brokers.join(',')} (services home ${broker.home})`)
  const run = new ChaosRun({
    app,
    brokers: broker?.brokers ?? options.brokers,
    ...(options.partitions !== undefined ? { partitions: options.partitions } : {}),
    ...(options.rate !== undefined ? { rate: options.rate } : {}),
    ...scenario.options,
    ...(options.keep !== undefined ? { keep: options.keep } : {}),
    ...(print ? { print } : {}),
  })
  const holdMs = (options.durationS * 1000) / HOLDS[options.scenario]
  try {
    run.note('note', `scenario ${options.scenario} (${app}): ${scenario.describe}`)
    await run.setUp()
    run.startLoad()
    await scenario.script(run, (steps) => run.hold(steps * holdMs), broker)
    return await run.finish()
  } finally {
    await run.cleanUp()
    // Killed first: its data is thrown away anyway, and a graceful stop can take a minute.
    await broker?.kill().catch(() => {})
    await broker?.stop()
  }
}
