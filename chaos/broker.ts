/**
 * A Kafka broker of the harness's own, for faults that hit the broker: started through
 * infra/services.sh with moved ports and a private services home (the Kafka jars are linked from
 * the shared cache, never downloaded again), killed with `kill -9`, and relaunched with the same
 * command line on the same data directory. Never the shared dev broker.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createConnection } from 'node:net'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { sleep } from './instance.ts'

const root = join(import.meta.dirname, '..')

export interface OwnBroker {
  readonly brokers: string[]
  readonly home: string
  /** `kill -9` of the broker process; resolves once it is gone. */
  kill(): Promise<void>
  /** The same command line again, on the same data; resolves once it answers. */
  restart(): Promise<void>
  /** Stops it (services.sh stop also wipes its data) and removes the private home. */
  stop(): Promise<void>
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', () => resolve(true))
  })
}

async function answers(port: number): Promise<boolean> {
  return !(await portFree(port))
}

export async function startOwnBroker(): Promise<OwnBroker> {
  const shared = process.env.KSTREAMS_SERVICES_HOME ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kstreams-services')
  const version = process.env.KAFKA_VERSION ?? '3.9.2'
  let base = 0
  for (let attempt = 0; attempt < 20 && base === 0; attempt++) {
    const candidate = 30_000 + Math.floor(Math.random() * 300) * 100
    const free = await Promise.all([0, 1, 2].map((d) => portFree(candidate + 92 + d)))
    if (free.every(Boolean)) base = candidate
  }
  if (base === 0) throw new Error('no free ports for a chaos broker')
  const home = join(tmpdir(), `kstreams-chaos-broker-${base}-${process.pid}`)
  mkdirSync(home, { recursive: true })
  const kafkaHome = join(shared, `kafka-${version}`)
  if (!existsSync(join(kafkaHome, 'libs', '.complete'))) throw new Error(`no Kafka jars in ${kafkaHome}: run \`bash infra/services.sh start kafka\` once`)
  symlinkSync(kafkaHome, join(home, `kafka-${version}`))
  const port = base + 92
  const env = {
    ...process.env,
    KSTREAMS_SERVICES_HOME: home,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(base + 93),
    KAFKA_SASL_PORT: String(base + 94),
  }
  const services = (...args: string[]) => spawnSync('bash', [join(root, 'infra', 'services.sh'), ...args], { env, cwd: root, encoding: 'utf8' })
  const started = services('start', 'kafka')
  if (started.status !== 0) {
    services('stop', 'kafka')
    rmSync(home, { recursive: true, force: true })
    throw new Error(`could not start a chaos broker:\n${started.stdout}\n${started.stderr}`)
  }
  const pidFile = join(home, 'run', 'kafka.pid')
  const log = join(home, 'logs', 'kafka.out')
  const pid = (): number => Number(readFileSync(pidFile, 'utf8').trim())
  const alive = (p: number): boolean => {
    try {
      process.kill(p, 0)
      return true
    } catch {
      return false
    }
  }
  // The exact command line, read before any kill: a relaunch is the same broker on the same data.
  const argv = readFileSync(`/proc/${pid()}/cmdline`, 'utf8').split('\0').filter((a) => a !== '')
  let stopped = false
  // A harness that dies (Ctrl-C, a crash) must not leave its broker running.
  const lastResort = (): void => {
    try {
      const p = pid()
      if (alive(p)) process.kill(p, 'SIGKILL')
    } catch {
      // already gone
    }
    rmSync(home, { recursive: true, force: true })
  }
  process.once('exit', lastResort)
  return {
    brokers: [`127.0.0.1:${port}`],
    home,
    async kill() {
      const p = pid()
      process.kill(p, 'SIGKILL')
      while (alive(p)) await sleep(50)
    },
    async restart() {
      const out = openSync(log, 'a')
      const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', out, out], cwd: root })
      child.unref()
      writeFileSync(pidFile, `${child.pid}\n`)
      const deadline = Date.now() + 120_000
      while (!(await answers(port))) {
        if (Date.now() > deadline || !alive(child.pid!)) throw new Error(`the chaos broker did not come back; see ${log}`)
        await sleep(250)
      }
    },
    async stop() {
      if (stopped) return
      stopped = true
      process.off('exit', lastResort)
      services('stop', 'kafka')
      const p = existsSync(pidFile) ? pid() : 0
      if (p > 0 && alive(p)) process.kill(p, 'SIGKILL')
      rmSync(home, { recursive: true, force: true })
    },
  }
}
