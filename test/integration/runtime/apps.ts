import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { AppConfig } from './app-process.ts'

const APP = join(import.meta.dirname, 'app-process.ts')

export interface AppEvent {
  readonly type: string
  readonly pid: number
  readonly at: number
  readonly [field: string]: unknown
}

/**
 * One `app-process.ts` instance in a child process: collects its JSON-line events and sends it
 * commands. `kill('SIGKILL')` is a real `kill -9`; `close()` asks for a clean close and waits for
 * the process to end.
 */
export class AppProcess {
  readonly name: string
  readonly child: ChildProcess
  readonly events: AppEvent[] = []
  readonly exited: Promise<number | null>
  readonly #waiters = new Set<() => void>()
  #stderr = ''

  constructor(name: string, config: AppConfig) {
    this.name = name
    this.child = spawn(process.execPath, ['--no-warnings', APP], {
      env: { ...process.env, KSTREAMS_APP: JSON.stringify({ verbose: Boolean(process.env.KSTREAMS_TEST_VERBOSE), ...config }) },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as AppEvent)
      } catch {
        this.#stderr += `${line}\n`
      }
      for (const wake of this.#waiters) wake()
    })
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.#stderr += chunk.toString()
      if (process.env.KSTREAMS_TEST_VERBOSE) process.stderr.write(`[${name}] ${chunk.toString()}`)
    })
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => {
      resolve(code)
      for (const wake of this.#waiters) wake()
    }))
  }

  get pid(): number {
    return this.child.pid!
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  /** The first event (from `since`) matching `match`; waits for it up to `timeoutMs`. */
  async waitFor(match: (e: AppEvent) => boolean, what: string, timeoutMs = 60_000, since = 0): Promise<AppEvent> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.events.slice(since).find(match)
      if (found) return found
      if (!this.alive) throw new Error(`${this.name} exited while waiting for ${what}; stderr:\n${this.#stderr.slice(-3000)}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`${this.name}: timed out after ${timeoutMs} ms waiting for ${what}; last events: ${JSON.stringify(this.events.slice(-5))}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 1000))
        const waiters = this.#waiters
        function done() {
          clearTimeout(timer)
          waiters.delete(done)
          resolve()
        }
        waiters.add(done)
      })
    }
  }

  waitForState(state: string, timeoutMs = 60_000, since = 0): Promise<AppEvent> {
    return this.waitFor((e) => e.type === 'state' && e.state === state, `state ${state}`, timeoutMs, since)
  }

  /** The tasks the instance runs now: asks, and waits for the answer. */
  async tasks(timeoutMs = 30_000): Promise<{ active: string[]; standby: string[] }> {
    const since = this.events.length
    this.send('tasks')
    const e = await this.waitFor((x) => x.type === 'tasks', 'tasks', timeoutMs, since)
    return { active: e.active as string[], standby: e.standby as string[] }
  }

  send(command: string): void {
    if (this.alive) this.child.stdin!.write(`${command}\n`)
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.alive || signal === 'SIGCONT') this.child.kill(signal)
  }

  /** Clean close; kills the process if it has not ended within `timeoutMs`. */
  async close(timeoutMs = 30_000): Promise<void> {
    if (!this.alive) return
    this.send('close')
    const timer = setTimeout(() => this.kill('SIGKILL'), timeoutMs)
    await this.exited
    clearTimeout(timer)
  }

  get stderr(): string {
    return this.#stderr
  }

  /** Total records restored by every `restore-end` event from `since`. */
  restored(since = 0): number {
    let n = 0
    for (const e of this.events.slice(since)) if (e.type === 'restore-end') n += e.total as number
    return n
  }
}

/** A fresh state directory per instance, removed by `dispose`. */
export function stateDirs(): { make(): string; dispose(): void } {
  const made: string[] = []
  return {
    make() {
      const dir = mkdtempSync(join(tmpdir(), 'kstreams-it-'))
      made.push(dir)
      return dir
    },
    dispose() {
      for (const d of made) rmSync(d, { recursive: true, force: true })
    },
  }
}

/** Kills (as a last resort) every app still running when the test ends. */
export function killAfter(t: { after(fn: () => Promise<void>): void }, apps: AppProcess[]): void {
  t.after(async () => {
    for (const a of apps) {
      a.kill('SIGCONT')
      a.kill('SIGKILL')
    }
    await Promise.all(apps.map((a) => a.exited))
  })
}
