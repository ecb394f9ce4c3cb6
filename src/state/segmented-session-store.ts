import { SegmentedBytesStore } from './segmented-bytes-store.ts'
import type { SessionBytesStore } from './session-store.ts'
import type { KeyValueBytesStore, KeyValueIterator, StateStoreContext } from './store.ts'
import {
  hasKey,
  keyWithin,
  SESSION_SUFFIX_SIZE,
  sessionEndOf,
  sessionKeyUpperBound,
  sessionStartOf,
  sessionStoreKey,
} from './window-key-schema.ts'

const NO_UPPER_TIME = Number.MAX_SAFE_INTEGER

/**
 * The bytes session store (Kafka's `RocksDBSessionStore`): session store keys (`key | end |
 * start`) in a store segmented by session end, so retention drops sessions that ended long enough
 * ago, a segment at a time, and a key's sessions are contiguous within a segment. As in Kafka's
 * RocksDB session store, expiry is per segment, not per record: a session whose end is at the
 * retention's edge is still found while it may still merge or is about to be emitted on close.
 */
export class SegmentedSessionStore implements SessionBytesStore {
  readonly name: string
  readonly retentionPeriod: number
  readonly segments: SegmentedBytesStore

  constructor(inner: KeyValueBytesStore, options: { readonly retentionPeriod: number; readonly segmentInterval: number }) {
    this.name = inner.name
    this.retentionPeriod = options.retentionPeriod
    this.segments = new SegmentedBytesStore(inner, options.retentionPeriod, options.segmentInterval, sessionEndOf, false)
  }

  get persistent(): boolean {
    return this.segments.persistent
  }

  async open(context: StateStoreContext): Promise<void> {
    await this.segments.open(context)
  }

  init(context: StateStoreContext): void {
    this.segments.init(context)
    context.register(this, (batch) => this.segments.restore(batch))
  }

  isOpen(): boolean {
    return this.segments.isOpen()
  }

  flush(): void {
    this.segments.flush()
  }

  close(): void {
    this.segments.close()
  }

  put(key: Buffer, start: number, end: number, value: Buffer | null): void {
    this.segments.put(sessionStoreKey(key, start, end), value)
  }

  fetchSession(key: Buffer, start: number, end: number): Buffer | undefined {
    return this.segments.get(sessionStoreKey(key, start, end))
  }

  findSessions(key: Buffer, earliestSessionEndTime: number, latestSessionStartTime: number, backward: boolean): KeyValueIterator<Buffer, Buffer> {
    return this.segments.range({
      timeFrom: earliestSessionEndTime,
      timeTo: NO_UPPER_TIME,
      lower: sessionStoreKey(key, 0, Math.max(0, earliestSessionEndTime)),
      upper: sessionKeyUpperBound(key),
      accept: (storeKey) =>
        hasKey(storeKey, SESSION_SUFFIX_SIZE, key) && overlaps(storeKey, earliestSessionEndTime, latestSessionStartTime),
      backward,
    })
  }

  findSessionsInRange(
    keyFrom: Buffer | undefined,
    keyTo: Buffer | undefined,
    earliestSessionEndTime: number,
    latestSessionStartTime: number,
    backward: boolean,
  ): KeyValueIterator<Buffer, Buffer> {
    return this.segments.range({
      timeFrom: earliestSessionEndTime,
      timeTo: NO_UPPER_TIME,
      lower: keyFrom,
      upper: keyTo === undefined ? undefined : sessionKeyUpperBound(keyTo),
      accept: (storeKey) =>
        keyWithin(storeKey, SESSION_SUFFIX_SIZE, keyFrom, keyTo) && overlaps(storeKey, earliestSessionEndTime, latestSessionStartTime),
      backward,
    })
  }

  findSessionsByEndTime(earliestSessionEndTime: number, latestSessionEndTime: number, backward: boolean): KeyValueIterator<Buffer, Buffer> {
    return this.segments.range({
      timeFrom: earliestSessionEndTime,
      timeTo: latestSessionEndTime,
      lower: undefined,
      upper: undefined,
      accept: (storeKey) => {
        const end = sessionEndOf(storeKey)
        return end >= earliestSessionEndTime && end <= latestSessionEndTime
      },
      backward,
    })
  }
}

function overlaps(storeKey: Buffer, earliestEnd: number, latestStart: number): boolean {
  return sessionEndOf(storeKey) >= earliestEnd && sessionStartOf(storeKey) <= latestStart
}
