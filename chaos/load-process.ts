/** The load generator (chaos/load.ts) as a child process: started with its config, told to stop, its totals read back. */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { LoadConfig } from './load.ts'

export interface LoadTotals {
  readonly sent: number
  readonly failed: number
  readonly kinds: { readonly [kind: string]: number }
}

export class LoadProcess {
  readonly #child: ChildProcess
  readonly #done: Promise<LoadTotals>
  #sent = 0

  /** `note` hears of dropped transactions (and, with CHAOS_DEBUG set, every line). */
  constructor(config: LoadConfig, note: (what: string) => void) {
    const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', join(import.meta.dirname, 'load.ts')], {
      env: { ...process.env, CHAOS_LOAD: JSON.stringify(config) },
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    this.#child = child
    this.#done = new Promise((resolve, reject) => {
      let done: LoadTotals | undefined
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const e = JSON.parse(line) as { type: string; sent?: number; failed?: number; kinds?: LoadTotals['kinds']; error?: string; records?: number }
        if (e.type === 'progress') this.#sent = e.sent ?? 0
        if (process.env.CHAOS_DEBUG) note(`load: ${line}`)
        if (e.type === 'send-failed') note(`load: a transaction of ${e.records} records failed (${e.error}); dropped, never re-sent`)
        if (e.type === 'done') done = { sent: e.sent ?? 0, failed: e.failed ?? 0, kinds: e.kinds ?? {} }
      })
      child.on('exit', (code) => (done ? resolve(done) : reject(new Error(`the load generator exited (${code}) without reporting`))))
    })
    this.#done.catch(() => {})
  }

  /** Records produced so far (last progress line). */
  get sent(): number {
    return this.#sent
  }

  stop(): Promise<LoadTotals> {
    this.#child.stdin?.write('stop\n')
    return this.#done
  }

  kill(): void {
    if (this.#child.exitCode === null) this.#child.kill('SIGKILL')
  }
}
