/**
 * The app instances of one chaos run, each its own process: what each processed as last seen (a
 * killed one cannot say afterwards), and which ones the scenario stopped or killed on purpose —
 * any other exit is a finding of the run.
 */
import type { AppInstance, Health } from './instance.ts'

/** One instance as the run report shows it. */
export interface InstanceSummary {
  readonly name: string
  readonly pid: number
  readonly exit: number | null
  readonly processed: number
  readonly restored: number
  readonly wiped: number
  readonly fenced: number
}

export class Fleet {
  readonly instances: AppInstance[] = []
  readonly unexpectedExits: string[] = []
  /** Last health seen per instance (what it processed before it died or stopped). */
  readonly #lastProcessed = new Map<AppInstance, number>()
  /** Instances the scenario stopped or killed on purpose; any other exit is a finding. */
  readonly #retired = new Set<AppInstance>()
  readonly #note: (line: string) => void

  /** `note` logs each unexpected exit as it is found. */
  constructor(note: (line: string) => void) {
    this.#note = note
  }

  add(instance: AppInstance): void {
    this.instances.push(instance)
  }

  live(): AppInstance[] {
    return this.instances.filter((i) => i.alive)
  }

  /** The instance's health, remembering what it processed. */
  async health(instance: AppInstance): Promise<Health> {
    const h = await instance.health()
    if (h.processed >= 0) this.#lastProcessed.set(instance, h.processed)
    return h
  }

  /** Before the scenario stops or kills `instance`: its exit is expected from now on. */
  async retire(instance: AppInstance): Promise<void> {
    await this.health(instance)
    this.#retired.add(instance)
  }

  checkExits(): void {
    for (const i of this.instances) {
      if (!i.alive && !this.#retired.has(i)) {
        this.#retired.add(i)
        const line = `${i.name} (pid ${i.pid}) exited on its own (code ${i.child.exitCode}, signal ${i.child.signalCode}); last output: ${i.output.slice(-600).replace(/\s+/g, ' ')}`
        this.unexpectedExits.push(line)
        this.#note(`UNEXPECTED: ${line}`)
      }
    }
  }

  summary(exits: ReadonlyMap<AppInstance, number | null>): InstanceSummary[] {
    return this.instances.map((i) => ({
      name: i.name,
      pid: i.pid,
      exit: exits.get(i) ?? null,
      processed: this.#lastProcessed.get(i) ?? 0,
      restored: i.restored(),
      wiped: i.count(/wiping the task state/),
      fenced: i.count(/fenc/i),
    }))
  }
}
