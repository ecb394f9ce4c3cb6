/** The end of a run: the throughput line and the checks, as both runners print them. */
import { num } from './cli.ts'

export interface Check {
  readonly name: string
  readonly ok: boolean
  readonly detail: string
}

export function printDone(elapsedSeconds: number, processed: number, ownsAllTasks: boolean): void {
  const by = ownsAllTasks ? '' : ' by this instance'
  console.log(`done in ${elapsedSeconds.toFixed(1)}s: ${num(processed)} records processed${by}, ${num(Math.round(processed / elapsedSeconds))} records/s`)
}

/** Prints the checks, ✔ or ✘ each; true when all hold. */
export function printChecks(checks: ReadonlyArray<Check>): boolean {
  console.log('checks:')
  for (const check of checks) console.log(`  ${check.ok ? '✔' : '✘'} ${check.name} — ${check.detail}`)
  return checks.every((check) => check.ok)
}
