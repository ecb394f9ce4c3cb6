/**
 * Starting one contender process (Node or Java) and reading its figures the same way for both:
 * CPU time and peak RSS come from /proc/<pid> (utime + stime, VmHWM), so neither runtime reports
 * on itself; events (started, running, figures) come as JSON lines on its stdout; closing its
 * stdin stops it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

export type Runtime = 'node' | 'java'

const root = join(import.meta.dirname, '..', '..')
const javaDir = join(root, 'bench', 'java')
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100

/** Builds the Java peer once (`mvn -q package`, which also writes target/classpath.txt). */
export function buildJava(): string {
  const jar = join(javaDir, 'target', 'kstreams-bench-java-0.1.0.jar')
  const run = spawnSync('mvn', ['-B', '-q', '-ntp', 'package'], { cwd: javaDir, stdio: 'inherit' })
  if (run.status !== 0 || !existsSync(jar)) throw new Error('bench/java: mvn -q package failed')
  return `${jar}:${readFileSync(join(javaDir, 'target', 'classpath.txt'), 'utf8').trim()}`
}

export function javaVersion(): string {
  return spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr.split('\n')[0] ?? 'java ?'
}

export interface ContenderEvent {
  readonly event: string
  readonly ms?: number
  readonly records?: number
  readonly message?: string
}

function cpuSeconds(pid: number): number {
  try {
    // Fields after the parenthesised command: state is [0], utime [11], stime [12].
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS
  } catch {
    return NaN
  }
}

function peakRssBytes(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : NaN
  } catch {
    return NaN
  }
}

export class Contender {
  readonly #child: ChildProcess
  readonly #waiters: Array<{ event: string; resolve: (e: ContenderEvent) => void; reject: (e: Error) => void }> = []
  readonly #seen: ContenderEvent[] = []
  #exited = false
  #stderr = ''
  #cpuAtStart = 0

  constructor(runtime: Runtime, classpath: string | undefined, args: Record<string, string>, nodeFlags: ReadonlyArray<string> = []) {
    const flags = Object.entries(args).flatMap(([k, v]) => [`--${k}`, v])
    this.#child = runtime === 'node'
      ? spawn(process.execPath, [...nodeFlags, join(import.meta.dirname, 'node-contender.ts'), ...flags], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn('java', ['-Xms512m', '-Xmx1g', '-cp', classpath!, 'kstreams.bench.Bench', ...flags], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] })
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return
      const e = JSON.parse(line) as ContenderEvent
      if (e.event === 'started') this.#cpuAtStart = cpuSeconds(this.#child.pid!)
      this.#seen.push(e)
      for (const w of this.#waiters.filter((w) => w.event === e.event || e.event === 'error')) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1)
        if (e.event === 'error') w.reject(new Error(`contender failed: ${e.message}`))
        else w.resolve(e)
      }
    })
    this.#child.stderr!.on('data', (chunk: Buffer) => void (this.#stderr = (this.#stderr + chunk.toString()).slice(-4000)))
    this.#child.on('exit', (code) => {
      this.#exited = true
      for (const w of this.#waiters.splice(0)) w.reject(new Error(`contender exited (${code}) before "${w.event}": ${this.#stderr}`))
    })
  }

  /** Resolves with the first event of that name (at once if it already came). */
  next(event: string): Promise<ContenderEvent> {
    const seen = this.#seen.find((e) => e.event === event)
    if (seen) return Promise.resolve(seen)
    if (this.#exited) return Promise.reject(new Error(`contender exited before "${event}": ${this.#stderr}`))
    return new Promise((resolve, reject) => this.#waiters.push({ event, resolve, reject }))
  }

  /** CPU seconds since the "started" event, and the peak RSS so far. */
  usage(): { cpuSeconds: number; peakRss: number } {
    return { cpuSeconds: cpuSeconds(this.#child.pid!) - this.#cpuAtStart, peakRss: peakRssBytes(this.#child.pid!) }
  }

  /** Closes stdin (the stop signal) and waits for the exit; kills it after `timeoutMs`. */
  async stop(timeoutMs = 60_000): Promise<void> {
    if (this.#exited) return
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()))
    this.#child.stdin!.end()
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs)
    await exited
    clearTimeout(timer)
  }
}
