import { InvalidStateStoreError } from './errors.ts'
import { deriveContext } from './store-context.ts'
import type { ChangelogRecord, KeyValueIterator, StateStoreContext } from './store.ts'
import { rawValue, readTimestamp, timestampedValue } from './value-and-timestamp.ts'
import { windowStoreKey } from './window-key-schema.ts'
import type { WindowBytesStore } from './window-store.ts'

const NO_TIMESTAMP = -1

/**
 * Logs every window-store write to the changelog (Kafka's `ChangeLoggingWindowBytesStore`): the
 * changelog key is the window store key (`key | start | seqnum`), as in Kafka, so restore writes
 * exactly the window that was written. A timestamped store (DSL aggregations) logs the plain value
 * with the stored timestamp as the record timestamp and converts back on restore, as Kafka's
 * `ChangeLoggingTimestampedWindowBytesStore` does.
 */
export class ChangeLoggingWindowStore implements WindowBytesStore {
  readonly wrapped: WindowBytesStore
  readonly timestamped: boolean
  #context: StateStoreContext | null = null

  constructor(wrapped: WindowBytesStore, timestamped: boolean) {
    this.wrapped = wrapped
    this.timestamped = timestamped
  }

  get name(): string {
    return this.wrapped.name
  }

  get persistent(): boolean {
    return this.wrapped.persistent
  }

  get windowSize(): number {
    return this.wrapped.windowSize
  }

  get retentionPeriod(): number {
    return this.wrapped.retentionPeriod
  }

  get retainDuplicates(): boolean {
    return this.wrapped.retainDuplicates
  }

  async open(context: StateStoreContext): Promise<void> {
    await this.wrapped.open?.(context)
  }

  init(context: StateStoreContext): void {
    this.#context = context
    if (!this.timestamped) {
      this.wrapped.init(context)
      return
    }
    this.wrapped.init(
      deriveContext(context, {
        register: (store, restore) => context.register(store, (batch) => restore(batch.map(toTimestamped))),
      }),
    )
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

  put(key: Buffer, value: Buffer | null, windowStart: number, seqnum: number): void {
    this.wrapped.put(key, value, windowStart, seqnum)
    const context = this.#context
    if (context === null) throw new InvalidStateStoreError(`Store ${this.name} is not initialized`)
    const storeKey = windowStoreKey(key, windowStart, seqnum)
    if (value === null || !this.timestamped) context.logChange(this.name, storeKey, value, context.currentTimestamp())
    else context.logChange(this.name, storeKey, rawValue(value), readTimestamp(value))
  }

  fetch(key: Buffer, windowStart: number): Buffer | undefined {
    return this.wrapped.fetch(key, windowStart)
  }

  fetchKey(key: Buffer, timeFrom: number, timeTo: number, backward: boolean): KeyValueIterator<Buffer, Buffer> {
    return this.wrapped.fetchKey(key, timeFrom, timeTo, backward)
  }

  fetchKeyRange(keyFrom: Buffer | undefined, keyTo: Buffer | undefined, timeFrom: number, timeTo: number, backward: boolean): KeyValueIterator<Buffer, Buffer> {
    return this.wrapped.fetchKeyRange(keyFrom, keyTo, timeFrom, timeTo, backward)
  }

  fetchAll(timeFrom: number, timeTo: number, backward: boolean): KeyValueIterator<Buffer, Buffer> {
    return this.wrapped.fetchAll(timeFrom, timeTo, backward)
  }

  all(backward: boolean): KeyValueIterator<Buffer, Buffer> {
    return this.wrapped.all(backward)
  }
}

function toTimestamped(record: ChangelogRecord): ChangelogRecord {
  if (record.value === null) return record
  const timestamp = record.timestamp ?? NO_TIMESTAMP
  return { key: record.key, value: timestampedValue(record.value, timestamp), timestamp }
}
