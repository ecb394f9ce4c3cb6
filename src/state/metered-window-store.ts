import type { Serde } from '../serdes/serde.ts'
import { MappedKeyValueIterator } from './key-value-iterator.ts'
import { rootContext } from './store-context.ts'
import type { KeyValueIterator, StateStoreContext } from './store.ts'
import type { SelfUndoingStore, UndoRecorder } from './undo-recorder.ts'
import { windowKeyBytes, windowStartOf } from './window-key-schema.ts'
import type { WindowBytesStore, WindowStore, WindowStoreIterator } from './window-store.ts'
import type { Windowed } from './windowed.ts'

export interface WindowStoreOperationCounts {
  put: number
  fetch: number
  flush: number
}

/**
 * The typed outermost window-store layer (Kafka's `MeteredWindowStore`): serializes keys and
 * values with the changelog topic as serde topic, turns store keys back into `Windowed` keys
 * (`end = start + windowSize`), numbers duplicates in stores that retain them, and counts
 * operations. The layers below see a context whose `register` names this store.
 */
export class MeteredWindowStore<K, V> implements WindowStore<K, V>, SelfUndoingStore {
  readonly wrapped: WindowBytesStore
  readonly keySerde: Serde<K>
  readonly valueSerde: Serde<V>
  readonly metricsScope: string
  readonly counts: WindowStoreOperationCounts = { put: 0, fetch: 0, flush: 0 }
  #topic: string
  /** Kafka's `seqnum` for duplicates: one per put, wrapping; 0 for stores without duplicates. */
  #seqnum = 0
  #undo: UndoRecorder | null = null

  constructor(wrapped: WindowBytesStore, keySerde: Serde<K>, valueSerde: Serde<V>, metricsScope = 'unknown') {
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

  get windowSize(): number {
    return this.wrapped.windowSize
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

  put(key: K, value: V | null, windowStartTimestamp: number): void {
    this.counts.put++
    const keyBytes = this.keySerde.serialize(this.#topic, key)
    const valueBytes = value === null ? null : this.valueSerde.serialize(this.#topic, value)
    const wrapped = this.wrapped
    if (wrapped.retainDuplicates) {
      // A duplicate cannot be addressed by key and time, so a null put deletes nothing (as in Kafka).
      if (valueBytes === null) return
      const seqnum = (this.#seqnum = (this.#seqnum + 1) & 0x7fffffff)
      wrapped.put(keyBytes, valueBytes, windowStartTimestamp, seqnum)
      this.#undo?.(() => wrapped.put(keyBytes, null, windowStartTimestamp, seqnum))
      return
    }
    if (this.#undo !== null) {
      const previous = wrapped.fetch(keyBytes, windowStartTimestamp) ?? null
      this.#undo(() => wrapped.put(keyBytes, previous, windowStartTimestamp, 0))
    }
    wrapped.put(keyBytes, valueBytes, windowStartTimestamp, 0)
  }

  fetch(key: K, windowStart: number): V | undefined
  fetch(key: K, timeFrom: number, timeTo: number): WindowStoreIterator<V>
  fetch(key: K, timeFrom: number, timeTo?: number): V | undefined | WindowStoreIterator<V> {
    this.counts.fetch++
    const keyBytes = this.keySerde.serialize(this.#topic, key)
    if (timeTo === undefined) {
      const bytes = this.wrapped.fetch(keyBytes, timeFrom)
      return bytes === undefined ? undefined : this.valueSerde.deserialize(this.#topic, bytes)
    }
    return this.#starts(this.wrapped.fetchKey(keyBytes, timeFrom, timeTo, false))
  }

  backwardFetch(key: K, timeFrom: number, timeTo: number): WindowStoreIterator<V> {
    this.counts.fetch++
    return this.#starts(this.wrapped.fetchKey(this.keySerde.serialize(this.#topic, key), timeFrom, timeTo, true))
  }

  fetchRange(keyFrom: K | undefined, keyTo: K | undefined, timeFrom: number, timeTo: number): KeyValueIterator<Windowed<K>, V> {
    this.counts.fetch++
    return this.#windowed(this.wrapped.fetchKeyRange(this.#keyOrUndefined(keyFrom), this.#keyOrUndefined(keyTo), timeFrom, timeTo, false))
  }

  backwardFetchRange(keyFrom: K | undefined, keyTo: K | undefined, timeFrom: number, timeTo: number): KeyValueIterator<Windowed<K>, V> {
    this.counts.fetch++
    return this.#windowed(this.wrapped.fetchKeyRange(this.#keyOrUndefined(keyFrom), this.#keyOrUndefined(keyTo), timeFrom, timeTo, true))
  }

  fetchAll(timeFrom: number, timeTo: number): KeyValueIterator<Windowed<K>, V> {
    this.counts.fetch++
    return this.#windowed(this.wrapped.fetchAll(timeFrom, timeTo, false))
  }

  backwardFetchAll(timeFrom: number, timeTo: number): KeyValueIterator<Windowed<K>, V> {
    this.counts.fetch++
    return this.#windowed(this.wrapped.fetchAll(timeFrom, timeTo, true))
  }

  all(): KeyValueIterator<Windowed<K>, V> {
    this.counts.fetch++
    return this.#windowed(this.wrapped.all(false))
  }

  backwardAll(): KeyValueIterator<Windowed<K>, V> {
    this.counts.fetch++
    return this.#windowed(this.wrapped.all(true))
  }

  #keyOrUndefined(key: K | undefined): Buffer | undefined {
    return key === undefined ? undefined : this.keySerde.serialize(this.#topic, key)
  }

  #starts(iterator: KeyValueIterator<Buffer, Buffer>): WindowStoreIterator<V> {
    return new MappedKeyValueIterator(iterator, ({ key, value }) => ({
      key: windowStartOf(key),
      value: this.valueSerde.deserialize(this.#topic, value),
    }))
  }

  #windowed(iterator: KeyValueIterator<Buffer, Buffer>): KeyValueIterator<Windowed<K>, V> {
    const size = this.wrapped.windowSize
    return new MappedKeyValueIterator(iterator, ({ key, value }) => {
      const start = windowStartOf(key)
      return {
        key: { key: this.keySerde.deserialize(this.#topic, windowKeyBytes(key)), window: { start, end: start + size } },
        value: this.valueSerde.deserialize(this.#topic, value),
      }
    })
  }
}
