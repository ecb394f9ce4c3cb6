import type { AppConfig } from './app-process.ts'
import { stateDirs, type AppProcess } from './apps.ts'
import { brokers, createTopics, deleteTopics, requireServices, unique } from './broker.ts'

export const PARTITIONS = 6
export const KEYS = 24

/** Topics and per-instance configs of one test's app; everything is removed when the test ends. */
export async function scenario(t: { after(fn: () => Promise<void> | void): void }, prefix: string, partitions = PARTITIONS) {
  requireServices()
  const applicationId = unique(prefix)
  const input = `${applicationId}-in`
  const output = `${applicationId}-out`
  await createTopics([{ name: input, partitions }, { name: output, partitions }])
  const dirs = stateDirs()
  t.after(async () => {
    dirs.dispose()
    await deleteTopics([input, output, `${applicationId}-counts-changelog`])
  })
  const config = (overrides: Partial<AppConfig> = {}): AppConfig => ({ applicationId, brokers, input, output, stateDir: dirs.make(), ...overrides })
  return { applicationId, input, output, changelog: `${applicationId}-counts-changelog`, config }
}

export async function allTasks(apps: ReadonlyArray<AppProcess>): Promise<string[][]> {
  return Promise.all(apps.map(async (a) => (await a.tasks()).active))
}

/** Every task is run by exactly one instance, and no instance runs more than one task more than another. */
export function balanced(tasks: ReadonlyArray<ReadonlyArray<string>>, total: number): boolean {
  const all = tasks.flat()
  const sizes = tasks.map((t) => t.length)
  return all.length === total && new Set(all).size === total && Math.max(...sizes) - Math.min(...sizes) <= 1
}

/** 1, 2, …, n: what a key's committed counts must be under exactly-once (each result once, in order). */
export function oneTo(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1)
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Produces `keyedRecords` in the background until stopped; resolves to the number produced. */
export function backgroundProducer(produceBatch: (first: number) => Promise<number>, pauseMs = 100) {
  let produced = 0
  let running = true
  const done = (async () => {
    while (running) {
      produced += await produceBatch(produced)
      await sleep(pauseMs)
    }
    return produced
  })()
  return {
    get produced() {
      return produced
    },
    stop(): Promise<number> {
      running = false
      return done
    },
  }
}
