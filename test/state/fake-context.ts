import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChangelogRecord, RestoreCallback, StateStore, StateStoreContext } from '../../src/state/store.ts'

export interface LoggedChange {
  readonly store: string
  readonly key: Buffer
  readonly value: Buffer | null
  readonly timestamp: number
}

/** A task context for store unit tests: records changelog writes and keeps restore callbacks. */
export class FakeStateStoreContext implements StateStoreContext {
  readonly applicationId = 'app'
  readonly taskId = '0_1'
  readonly partition = 1
  readonly taskStateDir: string
  readonly changes: LoggedChange[] = []
  readonly registered = new Map<string, { store: StateStore; restore: RestoreCallback }>()
  timestamp = 0

  constructor(taskStateDir = '/nonexistent-task-dir') {
    this.taskStateDir = taskStateDir
  }

  changelogTopic(storeName: string): string {
    return `${this.applicationId}-${storeName}-changelog`
  }

  register(store: StateStore, restore: RestoreCallback): void {
    this.registered.set(store.name, { store, restore })
  }

  logChange(store: string, key: Buffer, value: Buffer | null, timestamp: number): void {
    this.changes.push({ store, key, value, timestamp })
  }

  currentTimestamp(): number {
    return this.timestamp
  }

  restore(storeName: string, batch: ReadonlyArray<ChangelogRecord>): void {
    const registration = this.registered.get(storeName)
    if (registration === undefined) throw new Error(`store ${storeName} not registered`)
    registration.restore(batch)
  }
}

/** A temp directory and its removal. */
export function tempDir(): { path: string; [Symbol.dispose](): void } {
  const path = mkdtempSync(join(tmpdir(), 'kstreams-state-'))
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) }
}

export const b = (text: string): Buffer => Buffer.from(text, 'utf8')
export const s = (bytes: Buffer | undefined | null): string | undefined | null =>
  bytes === undefined || bytes === null ? bytes : bytes.toString('utf8')
