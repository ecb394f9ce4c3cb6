/**
 * `npm test`: runs every test/**\/*.test.ts with node's test runner, after making sure the
 * integration tests have a real broker and schema registry — or know why they don't.
 *
 *   npm test                                  all tests
 *   npm test -- test/integration/x.test.ts    some files (node --test flags pass through too)
 *
 * The chaos tests (test/chaos/) run last, in a phase of their own: see main().
 *
 * Services: probe KAFKA_BROKERS (default 127.0.0.1:9092, ApiVersions) and SCHEMA_REGISTRY_URL
 * (default http://127.0.0.1:8081/apis/ccompat/v7, GET /subjects). If one is missing, points at
 * this machine, and Java + Maven exist, start it with infra/services.sh and stop it at the end
 * (only what this run started). Otherwise integration tests skip with a one-line reason — except
 * under CI=true, where a missing service fails the run. KSTREAMS_SERVICES=probe never starts
 * anything. The verdict reaches the test files as KSTREAMS_INTEGRATION(=1|0)
 * and KSTREAMS_INTEGRATION_REASON (see test/helpers/services.ts).
 */
import { spawn, spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join, relative, sep } from 'node:path'
import { brokerProblem, HOW_TO_START, KAFKA_BROKERS, registryProblem, SCHEMA_REGISTRY_URL } from '../test/helpers/services.ts'

const root = join(import.meta.dirname, '..')
const isCI = process.env.CI === 'true' || process.env.CI === '1'
const log = (line: string): void => console.log(`[test] ${line}`)

function findTests(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts') && !f.split(sep).includes('node_modules'))
    .map((f) => relative(root, join(dir, f)))
    .sort()
}

const isChaos = (file: string): boolean => file.split(/[\\/]/).includes('chaos')

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0
const isLocal = (hostPort: string): boolean => /^(127\.0\.0\.1|localhost|\[::1\])(:|$)/.test(hostPort)

const services = (...args: string[]): boolean =>
  spawnSync('bash', [join(root, 'infra', 'services.sh'), ...args], { stdio: 'inherit', cwd: root }).status === 0

async function ensureServices(mayStart: boolean): Promise<{ problem: string | undefined; started: string[] }> {
  let [broker, registry] = await Promise.all([brokerProblem(), registryProblem()])
  const started: string[] = []
  if (broker === undefined && registry === undefined) return { problem: undefined, started }

  const missing = [
    ...(broker !== undefined && isLocal(KAFKA_BROKERS[0] ?? '') ? ['kafka'] : []),
    ...(registry !== undefined && isLocal(new URL(SCHEMA_REGISTRY_URL).host) ? ['registry'] : []),
  ]
  const why = [broker, registry].filter((p) => p !== undefined).join('; ')
  if (!mayStart) return { problem: why, started }
  if (missing.length === 0) return { problem: `${why} (not a local address, so not starting one)`, started }
  if (!has('java') || !has('mvn')) return { problem: `${why}; no java/mvn on PATH to start them`, started }

  log(`starting ${missing.join(' + ')} with infra/services.sh (${why})`)
  const ok = services('start', ...missing)
  // Stop whatever came up even if the other failed; services.sh only stops what it started.
  started.push(...missing)
  if (!ok) return { problem: `infra/services.sh start ${missing.join(' ')} failed (see its output above)`, started }
  ;[broker, registry] = await Promise.all([brokerProblem(10_000), registryProblem(10_000)])
  const still = [broker, registry].filter((p) => p !== undefined).join('; ')
  return { problem: still === '' ? undefined : still, started }
}

function runNodeTest(files: string[], flags: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const concurrency = process.env.KSTREAMS_TEST_CONCURRENCY ?? String(Math.max(2, availableParallelism()))
  const timeout = process.env.KSTREAMS_TEST_TIMEOUT_MS ?? '300000' // per test: a hang fails, not stalls CI
  const args = ['--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, `--test-timeout=${timeout}`, ...flags, ...files]
  const child = spawn(process.execPath, args, { stdio: 'inherit', cwd: root, env })
  // Ctrl-C reaches the child through the terminal's process group; wait for it to finish.
  const forward = (signal: NodeJS.Signals) => child.kill(signal)
  process.on('SIGTERM', forward)
  process.on('SIGINT', () => {})
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))))
}

async function main(): Promise<number> {
  const args = process.argv.slice(2)
  const flags = args.filter((a) => a.startsWith('-'))
  const chosen = args.filter((a) => !a.startsWith('-'))
  const files = chosen.length > 0 ? chosen : findTests(join(root, 'test'))
  if (files.length === 0) {
    log('no test files found under test/')
    return 1
  }

  // Start services for a full run or when integration tests are chosen; a unit-only run just probes.
  const wantsServices = chosen.length === 0 || chosen.some((f) => f.includes('integration') || isChaos(f))
  const mayStart = wantsServices && process.env.KSTREAMS_SERVICES !== 'probe'
  const t0 = Date.now()
  const { problem, started } = await ensureServices(mayStart)
  if (problem === undefined) log(`integration: broker ${KAFKA_BROKERS.join(',')} and registry ${SCHEMA_REGISTRY_URL} answer (${Date.now() - t0} ms)`)
  else if (isCI) log(`integration: FAILING under CI=true: ${problem}`)
  else log(`integration: SKIPPED: ${problem}; ${HOW_TO_START}`)

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Every test sees the same addresses, whichever way they were configured (ports or URLs).
    KAFKA_BROKERS: KAFKA_BROKERS.join(','),
    SCHEMA_REGISTRY_URL,
    KSTREAMS_INTEGRATION: problem === undefined ? '1' : '0',
    ...(problem === undefined ? {} : { KSTREAMS_INTEGRATION_REASON: problem }),
    // kafkajs 2.x warns on every producer that its default partitioner changed in 2.0.
    KAFKAJS_NO_PARTITIONER_WARNING: process.env.KAFKAJS_NO_PARTITIONER_WARNING ?? '1',
    // kafkajs 2.2.4 schedules a negative timeout on every connection; Node 24 warns each time
    // (kafkajs#1751, unfixed upstream). Harmless, and it buries real output.
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --disable-warning=TimeoutNegativeWarning`.trim(),
  }
  // The chaos tests load the shared broker and both cores with whole app fleets for minutes:
  // every other test runs first, beside other ordinary tests only, so no timing there depends on
  // what a chaos run is doing; then the chaos files run, beside each other.
  const chaos = files.filter(isChaos)
  const phases = [files.filter((f) => !isChaos(f)), chaos].filter((phase) => phase.length > 0)
  let code = 1
  try {
    code = 0
    for (const [i, phase] of phases.entries()) {
      if (phases.length > 1) log(`phase ${i + 1} of ${phases.length}: ${phase === chaos ? `the ${phase.length} chaos tests` : `${phase.length} test files`}`)
      const phaseCode = await runNodeTest(phase, flags, env)
      if (code === 0) code = phaseCode
    }
  } finally {
    if (started.length > 0) {
      log(`stopping what this run started: ${started.join(' + ')}`)
      services('stop', ...started)
    }
  }
  if (problem !== undefined) {
    // Repeat after the runner's summary so the reason is the last thing a reader sees.
    if (isCI) {
      log(`FAILED: CI=true needs a broker and a registry: ${problem}`)
      return code === 0 ? 1 : code
    }
    log(`integration tests were SKIPPED: ${problem}; ${HOW_TO_START}`)
  }
  return code
}

process.exitCode = await main()
