/**
 * One instance of a reference app (`examples/<app>/main.ts --no-load --serve`) in a child process
 * of its own, on a Kafka cluster: its HTTP health, its output, and the signals a harness sends it
 * (`SIGKILL` is a real `kill -9`, `SIGSTOP`/`SIGCONT` freeze and thaw it, `stop()` is a clean
 * SIGTERM shutdown). Shared by the chaos scenarios and the apps' kill tests in test/integration.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'

export type AppName = 'payments' | 'auction'

const root = join(import.meta.dirname, '..')

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `probe` every 250 ms until `done` says yes; throws after `timeoutMs` with the last value. */
export async function eventually<T>(what: string, probe: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (done(value)) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(value)}`)
    await sleep(250)
  }
}

export interface Health {
  readonly state: string
  readonly activeTasks: string[]
  /** Records this instance's processors handled (payments' `processed`, the sum of auction's `handled`). */
  readonly processed: number
  /** Auction: what its processors handled, by kind (`bid`, `close`, ...); empty for payments. */
  readonly handled: { readonly [what: string]: number }
}

export interface InstanceOptions {
  readonly app: AppName
  readonly brokers: ReadonlyArray<string>
  /** The topic prefix (PAYMENTS_/AUCTION_TOPIC_PREFIX). */
  readonly prefix: string
  /** Everything after `--no-load --serve --port 0`. */
  readonly args: ReadonlyArray<string>
  readonly name?: string
  /** Extra environment. */
  readonly env?: NodeJS.ProcessEnv
}

/** Characters of an instance's newest output kept (a debug-level run writes megabytes). */
const OUTPUT_KEPT = 4_000_000

export class AppInstance {
  readonly name: string
  readonly child: ChildProcess
  readonly exited: Promise<number | null>
  readonly url: Promise<string>
  readonly startedAt = Date.now()
  output = ''
  /** Stderr lines (warnings, errors, `restored ...` lines with KSTREAMS_REPORT_RESTORES=1). */
  readonly stderrLines: string[] = []
  #stderrTail = ''

  constructor(options: InstanceOptions) {
    this.name = options.name ?? options.app
    const prefixVar = options.app === 'payments' ? 'PAYMENTS_TOPIC_PREFIX' : 'AUCTION_TOPIC_PREFIX'
    this.child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', join(root, `examples/${options.app}/main.ts`), '--no-load', '--serve', '--port', '0', ...options.args], {
      cwd: root,
      env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1', ...options.env, KAFKA_BROKERS: options.brokers.join(','), [prefixVar]: options.prefix },
    })
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + signalNumber(signal) : null))))
    const marker = options.app === 'payments' ? /HTTP: (http:\/\/\S+?)\/accounts/ : /HTTP: (http:\/\/\S+?)\/items/
    this.url = new Promise((resolve, reject) => {
      this.child.stdout!.on('data', (chunk: Buffer) => {
        this.#append(chunk)
        const m = marker.exec(this.output)
        if (m) resolve(m[1]!)
      })
      this.child.stderr!.on('data', (chunk: Buffer) => {
        const text = this.#stderrTail + chunk.toString()
        const lines = text.split('\n')
        this.#stderrTail = lines.pop() ?? ''
        this.stderrLines.push(...lines)
        this.#append(chunk)
      })
      void this.exited.then((code) => reject(new Error(`${this.name} exited (${code}) before serving:\n${this.output.slice(-4000)}`)))
    })
    this.url.catch(() => {}) // observed through health() and the exit code
  }

  /** Output kept for the logs: the head (start-up) and the newest lines, where a failure shows. */
  #append(chunk: Buffer): void {
    this.output += chunk.toString()
    if (this.output.length > 2 * OUTPUT_KEPT) this.output = `${this.output.slice(0, 20_000)}\n[… output cut …]\n${this.output.slice(-OUTPUT_KEPT)}`
  }

  get pid(): number {
    return this.child.pid!
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  async get<T>(path: string): Promise<T> {
    const response = await fetch(`${await this.url}${path}`, { signal: AbortSignal.timeout(10_000) })
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`)
    return (await response.json()) as T
  }

  /** This instance's health, or state `unreachable` (starting, frozen, dead). */
  async health(): Promise<Health> {
    try {
      const h = await this.get<{ state: string; activeTasks: string[]; processed?: number; handled?: { [what: string]: number } }>('/health')
      const processed = h.processed ?? Object.values(h.handled ?? {}).reduce((a, b) => a + b, 0)
      return { state: h.state, activeTasks: h.activeTasks, processed, handled: h.handled ?? {} }
    } catch {
      return { state: 'unreachable', activeTasks: [], processed: -1, handled: {} }
    }
  }

  signal(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal)
  }

  /** `kill -9`, and wait for the process to be gone. */
  async kill(): Promise<void> {
    this.signal('SIGCONT')
    this.signal('SIGKILL')
    await this.exited
  }

  /** Clean shutdown (SIGTERM: the app closes its KafkaStreams, which commits); `kill -9` after `timeoutMs`. */
  async stop(timeoutMs = 45_000): Promise<number | null> {
    this.signal('SIGCONT')
    this.signal('SIGTERM')
    const timer = setTimeout(() => this.signal('SIGKILL'), timeoutMs)
    const code = await this.exited
    clearTimeout(timer)
    return code
  }

  /** Stderr lines matching `pattern`. */
  count(pattern: RegExp): number {
    return this.stderrLines.filter((l) => pattern.test(l)).length
  }

  /** Records restored, from the `restored N records ...` lines. */
  restored(): number {
    let n = 0
    for (const l of this.stderrLines) {
      const m = /^restored (\d+) records/.exec(l)
      if (m) n += Number(m[1])
    }
    return n
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return ({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2 } as { [s: string]: number })[signal] ?? 0
}
