/**
 * `npm run chaos -- --scenario NAME --duration S [--app payments|auction]`: runs a fault scenario
 * against a reference app on Kafka (KAFKA_BROKERS, default 127.0.0.1:9092) with load flowing
 * throughout, prints every action and fault as it happens, then the verifier's verdict. Exit
 * code 1 when the verdict fails or an instance died on its own, 2 on bad flags.
 *
 *   --scenario    scale | scale-kill | freeze | state-loss | broker-bounce | poison | auction-timers
 *   --duration S  seconds of holds between the steps (default 120; the steps' own waits come on top)
 *   --app         payments | auction (default: the scenario's own; auction-timers is auction's)
 *   --rate N      load records per second (default 100)
 *   --partitions N  partitions of the app's topics (default 4)
 *   --keep        keep the run's topics and state directories
 *   --json FILE   also write the whole report as JSON
 * broker-bounce starts (and always stops) a broker of its own on free ports; never the shared one.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { formatReport } from './report.ts'
import { runScenario, SCENARIO_NAMES } from './scenarios.ts'
import type { ScenarioName } from './scenarios.ts'

// kafkajs 2.2.4 schedules a negative timeout on every connection; Node 24 warns each time (kafkajs#1751).
process.removeAllListeners('warning')
process.on('warning', (w) => {
  if (w.name !== 'TimeoutNegativeWarning') console.warn(w)
})

// Ctrl-C: exit through 'exit' handlers (a broker of our own is killed there).
process.once('SIGINT', () => process.exit(130))
process.once('SIGTERM', () => process.exit(143))

const { values: flags } = parseArgs({
  options: {
    'scenario': { type: 'string' },
    'duration': { type: 'string', default: '120' },
    'app': { type: 'string' },
    'rate': { type: 'string', default: '100' },
    'partitions': { type: 'string', default: '4' },
    'keep': { type: 'boolean', default: false },
    'json': { type: 'string' },
  },
})
const usage = (problem: string): never => {
  console.error(`${problem}\nsee the flags at the top of chaos/run.ts`)
  process.exit(2)
}
const scenario = flags.scenario as ScenarioName
if (!SCENARIO_NAMES.includes(scenario)) usage(`--scenario must be one of ${SCENARIO_NAMES.join(', ')}`)
if (flags.app !== undefined && flags.app !== 'payments' && flags.app !== 'auction') usage('--app must be payments or auction')
const number = (name: string, v: string, min: number): number => {
  const n = Number(v)
  if (!Number.isFinite(n) || n < min) usage(`--${name} must be a number >= ${min}, got "${v}"`)
  return n
}
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean)

const report = await runScenario({
  scenario,
  durationS: number('duration', flags.duration, 0),
  ...(flags.app ? { app: flags.app as 'payments' | 'auction' } : {}),
  brokers,
  rate: number('rate', flags.rate, 1),
  partitions: number('partitions', flags.partitions, 1),
  keep: flags.keep,
  print: (line) => console.log(line),
})
console.log(`\n${formatReport(scenario, report)}`)
if (flags.json) writeFileSync(flags.json, JSON.stringify(report, null, 2))
const ok = report.verdict.ok && report.unexpectedExits.length === 0
console.log(ok ? 'PASS' : `FAIL${report.verdict.ok ? ': an instance died on its own' : ''}`)
process.exit(ok ? 0 : 1)
