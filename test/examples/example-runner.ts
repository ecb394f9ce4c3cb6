// What the example apps' tests share: a silent logger, waiting for a condition, and running
// `npm run <app>` on the embedded broker.
import { spawn } from 'node:child_process'
import { join } from 'node:path'

export const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child: () => quietLogger }
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function until(what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

const root = join(import.meta.dirname, '..', '..')

/** `npm run <script> -- <args>` on the embedded broker (KAFKA_BROKERS cleared), killed after 2 minutes. */
export function npmRun(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', script, '--', ...args], { cwd: root, env: { ...process.env, KAFKA_BROKERS: '' } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}
