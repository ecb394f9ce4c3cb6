import type { KeyValueIterator, StateStore } from './store.ts'
import type { Windowed } from './windowed.ts'

/**
 * Reads of a session store (Kafka Streams' `ReadOnlySessionStore`). A session is a key with an
 * inclusive `[start, end]` window and the aggregate of its records. Iterators over several keys
 * are ordered by time segment (of the session end), then key bytes, then end and start.
 */
export interface ReadOnlySessionStore<K, AGG> {
  /**
   * `key`'s sessions that end at or after `earliestSessionEndTime` and start at or before
   * `latestSessionStartTime`: the sessions a record at `t` may merge with, for
   * `t - gap` and `t + gap`.
   */
  findSessions(key: K, earliestSessionEndTime: number, latestSessionStartTime: number): KeyValueIterator<Windowed<K>, AGG>
  backwardFindSessions(key: K, earliestSessionEndTime: number, latestSessionStartTime: number): KeyValueIterator<Windowed<K>, AGG>
  /** As `findSessions`, for keys in `[keyFrom, keyTo]` (undefined = open). */
  findSessionsInRange(keyFrom: K | undefined, keyTo: K | undefined, earliestSessionEndTime: number, latestSessionStartTime: number): KeyValueIterator<Windowed<K>, AGG>
  backwardFindSessionsInRange(keyFrom: K | undefined, keyTo: K | undefined, earliestSessionEndTime: number, latestSessionStartTime: number): KeyValueIterator<Windowed<K>, AGG>
  /** The aggregate of exactly the session `[sessionStart, sessionEnd]` of `key`. */
  fetchSession(key: K, sessionStart: number, sessionEnd: number): AGG | undefined
  /** Every session of `key`. */
  fetch(key: K): KeyValueIterator<Windowed<K>, AGG>
  backwardFetch(key: K): KeyValueIterator<Windowed<K>, AGG>
  /** Every session of keys in `[keyFrom, keyTo]`. */
  fetchRange(keyFrom: K | undefined, keyTo: K | undefined): KeyValueIterator<Windowed<K>, AGG>
  backwardFetchRange(keyFrom: K | undefined, keyTo: K | undefined): KeyValueIterator<Windowed<K>, AGG>
}

export interface SessionStore<K, AGG> extends StateStore, ReadOnlySessionStore<K, AGG> {
  /** Writes a session's aggregate; `null` removes the session. */
  put(sessionKey: Windowed<K>, aggregate: AGG | null): void
  remove(sessionKey: Windowed<K>): void
  /** Sessions of all keys ending in `[earliestSessionEndTime, latestSessionEndTime]` (emitting closed sessions). */
  findSessionsByEndTime(earliestSessionEndTime: number, latestSessionEndTime: number): KeyValueIterator<Windowed<K>, AGG>
}

/** The bytes-level session store (keys are `key | end | start`, see window-key-schema.ts). */
export interface SessionBytesStore extends StateStore {
  readonly retentionPeriod: number
  put(key: Buffer, start: number, end: number, value: Buffer | null): void
  fetchSession(key: Buffer, start: number, end: number): Buffer | undefined
  findSessions(key: Buffer, earliestSessionEndTime: number, latestSessionStartTime: number, backward: boolean): KeyValueIterator<Buffer, Buffer>
  findSessionsInRange(
    keyFrom: Buffer | undefined,
    keyTo: Buffer | undefined,
    earliestSessionEndTime: number,
    latestSessionStartTime: number,
    backward: boolean,
  ): KeyValueIterator<Buffer, Buffer>
  findSessionsByEndTime(earliestSessionEndTime: number, latestSessionEndTime: number, backward: boolean): KeyValueIterator<Buffer, Buffer>
}

/** Makes one bytes session store per call (Kafka's `SessionBytesStoreSupplier`). */
export interface SessionBytesStoreSupplier {
  readonly name: string
  readonly metricsScope: string
  readonly retentionPeriod: number
  readonly segmentInterval: number
  get(): SessionBytesStore
}

export function isSessionStore(store: StateStore): store is SessionStore<unknown, unknown> {
  const s = store as Partial<SessionStore<unknown, unknown>>
  return typeof s.findSessions === 'function' && typeof s.fetchSession === 'function' && typeof s.remove === 'function'
}
