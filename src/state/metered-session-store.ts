import type { Serde } from '../serdes/serde.ts'
import { MappedKeyValueIterator } from './key-value-iterator.ts'
import type { SessionBytesStore, SessionStore } from './session-store.ts'
import { rootContext } from './store-context.ts'
import type { KeyValueIterator, StateStoreContext } from './store.ts'
import type { SelfUndoingStore, UndoRecorder } from './undo-recorder.ts'
import { sessionEndOf, sessionKeyBytes, sessionStartOf } from './window-key-schema.ts'
import type { Windowed } from './windowed.ts'

const NO_UPPER_TIME = Number.MAX_SAFE_INTEGER

export interface SessionStoreOperationCounts {
  put: number
  remove: number
  fetch: number
  flush: number
}

/**
 * The typed outermost session-store layer (Kafka's `MeteredSessionStore`): serializes keys and
 * aggregates with the changelog topic as serde topic and turns store keys back into
 * `Windowed` session keys. The layers below see a context whose `register` names this store.
 */
export class MeteredSessionStore<K, AGG> implements SessionStore<K, AGG>, SelfUndoingStore {
  readonly wrapped: SessionBytesStore
  readonly keySerde: Serde<K>
  readonly valueSerde: Serde<AGG>
  readonly metricsScope: string
  readonly counts: SessionStoreOperationCounts = { put: 0, remove: 0, fetch: 0, flush: 0 }
  #topic: string
  #undo: UndoRecorder | null = null

  constructor(wrapped: SessionBytesStore, keySerde: Serde<K>, valueSerde: Serde<AGG>, metricsScope = 'unknown') {
    this.wrapped = wrapped
    this.keySerde = keySerde
    this.valueSerde = valueSerde
    this.metricsScope = metricsScope
    this.#topic = wrapped.name
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
    this.#topic = context.changelogTopic(this.name)
    this.wrapped.init(rootContext(context, this))
  }

  flush(): void {
    this.counts.flush++
    this.wrapped.flush()
  }

  close(): void {
    this.wrapped.close()
  }

  isOpen(): boolean {
    return this.wrapped.isOpen()
  }

  setUndoRecorder(recorder: UndoRecorder | null): void {
    this.#undo = recorder
  }

  put(sessionKey: Windowed<K>, aggregate: AGG | null): void {
    this.counts.put++
    this.#write(sessionKey, aggregate === null ? null : this.valueSerde.serialize(this.#topic, aggregate))
  }

  remove(sessionKey: Windowed<K>): void {
    this.counts.remove++
    this.#write(sessionKey, null)
  }

  fetchSession(key: K, sessionStart: number, sessionEnd: number): AGG | undefined {
    this.counts.fetch++
    const bytes = this.wrapped.fetchSession(this.keySerde.serialize(this.#topic, key), sessionStart, sessionEnd)
    return bytes === undefined ? undefined : this.valueSerde.deserialize(this.#topic, bytes)
  }

  findSessions(key: K, earliestSessionEndTime: number, latestSessionStartTime: number): KeyValueIterator<Windowed<K>, AGG> {
    this.counts.fetch++
    return this.#sessions(this.wrapped.findSessions(this.keySerde.serialize(this.#topic, key), earliestSessionEndTime, latestSessionStartTime, false))
  }

  backwardFindSessions(key: K, earliestSessionEndTime: number, latestSessionStartTime: number): KeyValueIterator<Windowed<K>, AGG> {
    this.counts.fetch++
    return this.#sessions(this.wrapped.findSessions(this.keySerde.serialize(this.#topic, key), earliestSessionEndTime, latestSessionStartTime, true))
  }

  findSessionsInRange(keyFrom: K | undefined, keyTo: K | undefined, earliestSessionEndTime: number, latestSessionStartTime: number): KeyValueIterator<Windowed<K>, AGG> {
    this.counts.fetch++
    return this.#sessions(
      this.wrapped.findSessionsInRange(this.#keyOrUndefined(keyFrom), this.#keyOrUndefined(keyTo), earliestSessionEndTime, latestSessionStartTime, false),
    )
  }

  backwardFindSessionsInRange(
    keyFrom: K | undefined,
    keyTo: K | undefined,
    earliestSessionEndTime: number,
    latestSessionStartTime: number,
  ): KeyValueIterator<Windowed<K>, AGG> {
    this.counts.fetch++
    return this.#sessions(
      this.wrapped.findSessionsInRange(this.#keyOrUndefined(keyFrom), this.#keyOrUndefined(keyTo), earliestSessionEndTime, latestSessionStartTime, true),
    )
  }

  findSessionsByEndTime(earliestSessionEndTime: number, latestSessionEndTime: number): KeyValueIterator<Windowed<K>, AGG> {
    this.counts.fetch++
    return this.#sessions(this.wrapped.findSessionsByEndTime(earliestSessionEndTime, latestSessionEndTime, false))
  }

  fetch(key: K): KeyValueIterator<Windowed<K>, AGG> {
    return this.findSessions(key, 0, NO_UPPER_TIME)
  }

  backwardFetch(key: K): KeyValueIterator<Windowed<K>, AGG> {
    return this.backwardFindSessions(key, 0, NO_UPPER_TIME)
  }

  fetchRange(keyFrom: K | undefined, keyTo: K | undefined): KeyValueIterator<Windowed<K>, AGG> {
    return this.findSessionsInRange(keyFrom, keyTo, 0, NO_UPPER_TIME)
  }

  backwardFetchRange(keyFrom: K | undefined, keyTo: K | undefined): KeyValueIterator<Windowed<K>, AGG> {
    return this.backwardFindSessionsInRange(keyFrom, keyTo, 0, NO_UPPER_TIME)
  }

  #write(sessionKey: Windowed<K>, value: Buffer | null): void {
    const keyBytes = this.keySerde.serialize(this.#topic, sessionKey.key)
    const { start, end } = sessionKey.window
    const wrapped = this.wrapped
    if (this.#undo !== null) {
      const previous = wrapped.fetchSession(keyBytes, start, end) ?? null
      this.#undo(() => wrapped.put(keyBytes, start, end, previous))
    }
    wrapped.put(keyBytes, start, end, value)
  }

  #keyOrUndefined(key: K | undefined): Buffer | undefined {
    return key === undefined ? undefined : this.keySerde.serialize(this.#topic, key)
  }

  #sessions(iterator: KeyValueIterator<Buffer, Buffer>): KeyValueIterator<Windowed<K>, AGG> {
    return new MappedKeyValueIterator(iterator, ({ key, value }) => ({
      key: { key: this.keySerde.deserialize(this.#topic, sessionKeyBytes(key)), window: { start: sessionStartOf(key), end: sessionEndOf(key) } },
      value: this.valueSerde.deserialize(this.#topic, value),
    }))
  }
}
