/**
 * A Kafka broker of the harness's own, for faults that hit the broker: started through
 * infra/services.sh with moved ports and a private services home (the Kafka jars are linked from
 * the shared cache, never downloaded again), killed with `kill -9`, and relaunched with the same
 * command line and environment on the same data directory. Never the shared dev broker.
 *
 * Its ports lie outside the kernel's ephemeral port range. While the broker is down its ports are
 * free, and inside that range any outgoing connection on the machine (a kafkajs client
 * reconnecting, a test talking to the shared broker) may be given one of them as its local port;
 * such a socket, ESTABLISHED or in TIME_WAIT for 60 s, makes the relaunched JVM's bind fail with
 * "Address already in use" even with SO_REUSEADDR, and the broker exits at once. That is what
 * made relaunches die intermittently under the chaos phase's load.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { sleep } from './instance.ts'

const root = join(import.meta.dirname, '..')
const RESTART_TIMEOUT_MS = 120_000
const LOG_TAIL_LINES = 40

export interface OwnBroker {
  readonly brokers: string[]
  readonly home: string
  /** `kill -9` of the broker process; resolves once it is gone. */
  kill(): Promise<void>
  /**
   * The same command line and environment again, on the same data; resolves once it answers
   * ApiVersions and has logged that it started. Throws with the exit status and the log's tail.
   */
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

/** Whether a listener could bind `port` now (Node sets SO_REUSEADDR like the JVM does). */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)))
  })
}

/**
 * ApiVersions v0 (correlation id 42), as infra/services.sh probes: an open port alone is not a
 * broker (the kernel completes handshakes before Kafka serves requests).
 */
function kafkaAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let reply = Buffer.alloc(0)
    const done = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(3000, () => done(false))
    socket.once('connect', () => socket.write(Buffer.from('0000000a00120000000000' + '2affff', 'hex')))
    socket.on('data', (chunk: Buffer) => {
      reply = Buffer.concat([reply, chunk])
      if (reply.length >= 10) done(reply.readInt32BE(4) === 42 && reply.readInt16BE(8) === 0)
    })
    socket.once('error', () => done(false))
    socket.once('close', () => done(false))
  })
}

/** The kernel's ephemeral range; Linux's default where it cannot be read (macOS's lies above it). */
function ephemeralPorts(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)
    if (lo! > 0 && hi! >= lo!) return [lo!, hi!]
  } catch {
    // not Linux
  }
  return [32_768, 65_535]
}

/** Bases (ports base+92..94) from 10000 up whose three ports all lie outside the ephemeral range. */
function candidateBases(): number[] {
  const [lo, hi] = ephemeralPorts()
  const bases: number[] = []
  for (let base = 10_000; base + 94 <= 65_535; base += 100) if (base + 94 < lo || base + 92 > hi) bases.push(base)
  // An ephemeral range that covers everything leaves no safe ports; take any then (a relaunch may
  // meet a port taken by some connection: its error below says so).
  if (bases.length === 0) for (let base = 10_000; base + 94 <= 65_535; base += 100) bases.push(base)
  return bases
}

const alive = (p: number): boolean => {
  try {
    process.kill(p, 0)
    return true
  } catch {
    return false
  }
}

/**
 * One lock file per base, created exclusively and holding the owner's pid: a second own broker
 * (this process or another test file's) never picks a base in use, even while that broker is
 * killed and its ports look free. A lock whose process is gone (a harness killed with -9) is
 * removed, and that base is left for a later pick.
 */
function lockBase(base: number): string | undefined {
  const file = join(tmpdir(), `kstreams-chaos-ports-${base}.lock`)
  try {
    writeFileSync(file, `${process.pid}\n`, { flag: 'wx' })
    return file
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  try {
    const owner = Number(readFileSync(file, 'utf8').trim())
    if (!(owner > 0 && alive(owner))) rmSync(file, { force: true })
  } catch {
    // gone meanwhile
  }
  return undefined
}

async function pickBase(): Promise<{ base: number; lock: string }> {
  const bases = candidateBases()
  for (let attempt = 0; attempt < 40; attempt++) {
    const base = bases[Math.floor(Math.random() * bases.length)]!
    const lock = lockBase(base)
    if (lock === undefined) continue
    const free = await Promise.all([92, 93, 94].map((d) => portFree(base + d)))
    if (free.every(Boolean)) return { base, lock }
    rmSync(lock, { force: true })
  }
  throw new Error('no free ports for a chaos broker')
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch (error) {
    return `(cannot read ${file}: ${(error as Error).message})`
  }
}

/**
 * The relaunch's ERROR/FATAL lines and their causes (deduplicated): a dying broker logs its
 * shutdown after the reason, so the reason is often above the log's last lines.
 */
function errorsSince(file: string, offset: number, max = 12): string {
  try {
    const lines = readFileSync(file).subarray(offset).toString('utf8').split('\n')
    const picked = [...new Set(lines.filter((l) => /\] (ERROR|FATAL) |^Caused by: /.test(l)))]
    return picked.length === 0 ? '(none)' : picked.slice(0, max).join('\n')
  } catch (error) {
    return `(cannot read ${file}: ${(error as Error).message})`
  }
}

/** The ports nothing could bind now, with the sockets that hold them (when `ss` exists). */
async function heldPorts(ports: number[]): Promise<string> {
  const held: number[] = []
  for (const port of ports) if (!(await bindable(port))) held.push(port)
  if (held.length === 0) return 'its ports are bindable now'
  const ss = spawnSync('ss', ['-tanpH', `( ${held.map((p) => `sport = :${p}`).join(' or ')} )`], { encoding: 'utf8' })
  return `ports ${held.join(', ')} cannot be bound now${ss.status === 0 ? `; held by:\n${ss.stdout.trimEnd() || '(ss lists nothing)'}` : ''}`
}

export async function startOwnBroker(): Promise<OwnBroker> {
  const shared = process.env.KSTREAMS_SERVICES_HOME ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kstreams-services')
  const version = process.env.KAFKA_VERSION ?? '3.9.2'
  const kafkaHome = join(shared, `kafka-${version}`)
  if (!existsSync(join(kafkaHome, 'libs', '.complete'))) throw new Error(`no Kafka jars in ${kafkaHome}: run \`bash infra/services.sh start kafka\` once`)
  const { base, lock } = await pickBase()
  const home = join(tmpdir(), `kstreams-chaos-broker-${base}-${process.pid}`)
  mkdirSync(home, { recursive: true })
  symlinkSync(kafkaHome, join(home, `kafka-${version}`))
  const port = base + 92
  const ports = [port, base + 93, base + 94]
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
    // Read before the home goes: services.sh prints only the log's tail (the shutdown, mostly).
    const errors = errorsSince(join(home, 'logs', 'kafka.out'), 0)
    services('stop', 'kafka')
    rmSync(home, { recursive: true, force: true })
    rmSync(lock, { force: true })
    throw new Error(`could not start a chaos broker on ports ${ports.join(', ')}:\n${started.stdout}\n${started.stderr}\nerrors it logged:\n${errors}`)
  }
  const pidFile = join(home, 'run', 'kafka.pid')
  const log = join(home, 'logs', 'kafka.out')
  const pid = (): number => Number(readFileSync(pidFile, 'utf8').trim())
  // The exact command line and environment, read before any kill: a relaunch is the same broker
  // on the same data, started as services.sh started it.
  const nul = (file: string): string[] => readFileSync(file, 'utf8').split('\0').filter((a) => a !== '')
  const argv = nul(`/proc/${pid()}/cmdline`)
  const launchEnv = Object.fromEntries(nul(`/proc/${pid()}/environ`).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))
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
    rmSync(lock, { force: true })
  }
  process.once('exit', lastResort)
  const startedSince = (offset: number): boolean => {
    try {
      return readFileSync(log).subarray(offset).includes('Kafka Server started')
    } catch {
      return false
    }
  }
  return {
    brokers: [`127.0.0.1:${port}`],
    home,
    async kill() {
      const p = pid()
      process.kill(p, 'SIGKILL')
      while (alive(p)) await sleep(50)
    },
    async restart() {
      const offset = existsSync(log) ? statSync(log).size : 0
      const out = openSync(log, 'a')
      const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', out, out], cwd: root, env: launchEnv })
      closeSync(out)
      let exit: string | undefined
      child.once('exit', (code, signal) => (exit = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`))
      child.once('error', (error) => (exit = `could not be spawned (${error.message})`))
      child.unref()
      if (child.pid !== undefined) writeFileSync(pidFile, `${child.pid}\n`)
      const t0 = Date.now()
      for (;;) {
        if (exit === undefined && (await kafkaAnswers(port)) && startedSince(offset)) return
        if (exit !== undefined || Date.now() - t0 > RESTART_TIMEOUT_MS) {
          const what = exit !== undefined ? `java ${exit} after ${Math.round((Date.now() - t0) / 1000)} s; ${await heldPorts(ports)}` : `java (pid ${child.pid}) still not answering after ${RESTART_TIMEOUT_MS / 1000} s`
          throw new Error(
            `the chaos broker did not come back: ${what}\nerrors it logged since the relaunch:\n${errorsSince(log, offset)}\nlast ${LOG_TAIL_LINES} lines of ${log}:\n${tail(log, LOG_TAIL_LINES)}`,
          )
        }
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
      rmSync(lock, { force: true })
    },
  }
}
