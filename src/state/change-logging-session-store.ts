import { InvalidStateStoreError } from './errors.ts'
import type { SessionBytesStore } from './session-store.ts'
import type { KeyValueIterator, StateStoreContext } from './store.ts'
import { sessionStoreKey } from './window-key-schema.ts'

/**
 * Logs every session-store write to the changelog (Kafka's `ChangeLoggingSessionBytesStore`),
 * keyed by the session store key (`key | end | start`); a removed session logs a tombstone.
 */
export class ChangeLoggingSessionStore implements SessionBytesStore {
  readonly wrapped: SessionBytesStore
  #context: StateStoreContext | null = null

  constructor(wrapped: SessionBytesStore) {
    this.wrapped = wrapped
  }

  get name(): string {
    return this.wrapped.name
  }

  get persistent(): boolean {
    return this.wrapped.persistent
  }

  get retentionPeriod(): number {
    return this.wrapped.retentionPeriod
  }

  async open(context: StateStoreContext): Promise<void> {
    await this.wrapped.open?.(context)
  }

  init(context: StateStoreContext): void {
    this.#context = context
    this.wrapped.init(context)
  }

  isOpen(): boolean {
    return this.wrapped.isOpen()
  }

  flush(): void {
    this.wrapped.flush()
  }

  close(): void {
    this.wrapped.close()
    this.#context = null
  }

  put(key: Buffer, start: number, end: number, value: Buffer | null): void {
    this.wrapped.put(key, start, end, value)
    const context = this.#context
    if (context === null) throw new InvalidStateStoreError(`Store ${this.name} is not initialized`)
    context.logChange(this.name, sessionStoreKey(key, start, end), value, context.currentTimestamp())
  }

  fetchSession(key: Buffer, start: number, end: number): Buffer | undefined {
    return this.wrapped.fetchSession(key, start, end)
  }

  findSessions(key: Buffer, earliestSessionEndTime: number, latestSessionStartTime: number, backward: boolean): KeyValueIterator<Buffer, Buffer> {
    return this.wrapped.findSessions(key, earliestSessionEndTime, latestSessionStartTime, backward)
  }

  findSessionsInRange(
    keyFrom: Buffer | undefined,
    keyTo: Buffer | undefined,
    earliestSessionEndTime: number,
    latestSessionStartTime: number,
    backward: boolean,
  ): KeyValueIterator<Buffer, Buffer> {
    return this.wrapped.findSessionsInRange(keyFrom, keyTo, earliestSessionEndTime, latestSessionStartTime, backward)
  }

  findSessionsByEndTime(earliestSessionEndTime: number, latestSessionEndTime: number, backward: boolean): KeyValueIterator<Buffer, Buffer> {
    return this.wrapped.findSessionsByEndTime(earliestSessionEndTime, latestSessionEndTime, backward)
  }
}
