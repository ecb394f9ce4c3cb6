import type { Serde } from '../serdes/serde.ts'
import { keyBuffer, keyString } from './bytes.ts'
import { bufferValueSize, decodeBufferValue, encodeBufferValue, type BufferedRecordContext, type BufferValue } from './buffer-value.ts'
import { InvalidStateStoreError } from './errors.ts'
import type { ChangelogRecord, StateStore, StateStoreContext } from './store.ts'
import type { SelfUndoingStore, UndoRecorder } from './undo-recorder.ts'

/** A table update as the buffer keeps it (structurally the DSL's `Change`). */
export interface BufferedChange<V> {
  readonly newValue: V | null
  readonly oldValue: V | null
}

/** A record leaving the buffer. */
export interface Eviction<K, V> {
  readonly key: K
  readonly value: BufferedChange<V>
  readonly context: BufferedRecordContext
}

interface Entry {
  readonly key: Buffer
  readonly value: BufferValue
  readonly size: number
  /** Tells a live heap item from one left behind by an update or an eviction. */
  readonly seq: number
}

interface HeapItem {
  readonly time: number
  readonly k: string
  readonly seq: number
}

/**
 * The suppression buffer (Kafka's `InMemoryTimeOrderedKeyValueChangeBuffer`): at most one record
 * per key, ordered by a time (window end, or record time) and evicted oldest first. A key
 * buffered again keeps its place (Kafka's non-resetting semantics) with the latest change.
 *
 * It is an in-memory store made durable by its changelog: `flush()` (at commit) logs each key
 * changed since the last flush — the buffered record, or a tombstone once evicted — so a
 * restarted task restores exactly what was buffered at its last commit, and a result buffered
 * before a restart is emitted once after it. Writes report their compensation to the task's undo
 * log (see undo-recorder.ts), so a failed record neither buffers nor evicts anything.
 */
export class InMemoryTimeOrderedKeyValueBuffer<K, V> implements StateStore, SelfUndoingStore {
  readonly name: string
  readonly persistent = false
  readonly keySerde: Serde<K>
  readonly valueSerde: Serde<V>
  readonly loggingEnabled: boolean
  readonly #entries = new Map<string, Entry>()
  #heap: HeapItem[] = []
  /** Keys changed since the last flush, with their bytes (a removed key's entry is gone). */
  readonly #dirty = new Map<string, Buffer>()
  #bytes = 0
  #seq = 0
  #topic: string
  #context: StateStoreContext | null = null
  #undo: UndoRecorder | null = null

  constructor(name: string, keySerde: Serde<K>, valueSerde: Serde<V>, loggingEnabled: boolean) {
    this.name = name
    this.keySerde = keySerde
    this.valueSerde = valueSerde
    this.loggingEnabled = loggingEnabled
    this.#topic = name
  }

  init(context: StateStoreContext): void {
    this.#context = context
    this.#topic = context.changelogTopic(this.name)
    context.register(this, (batch) => this.#restore(batch))
  }

  isOpen(): boolean {
    return this.#context !== null
  }

  setUndoRecorder(recorder: UndoRecorder | null): void {
    this.#undo = recorder
  }

  get numRecords(): number {
    return this.#entries.size
  }

  /** Approximate bytes held (keys, values and record contexts). */
  get bufferSize(): number {
    return this.#bytes
  }

  /** The smallest buffered time, or Infinity when empty. */
  get minTimestamp(): number {
    return this.#top()?.time ?? Infinity
  }

  /** The largest timestamp of the buffered records' contexts (-1 when empty): stream time had reached it. */
  maxRecordTimestamp(): number {
    let max = -1
    for (const entry of this.#entries.values()) if (entry.value.context.timestamp > max) max = entry.value.context.timestamp
    return max
  }

  put(time: number, key: K, change: BufferedChange<V>, context: BufferedRecordContext): void {
    const keyBytes = this.keySerde.serialize(this.#topic, key)
    const k = keyString(keyBytes)
    const previous = this.#entries.get(k)
    const value: BufferValue = {
      time: previous?.value.time ?? time,
      oldValue: change.oldValue === null ? null : this.valueSerde.serialize(this.#topic, change.oldValue),
      newValue: change.newValue === null ? null : this.valueSerde.serialize(this.#topic, change.newValue),
      context,
    }
    const entry: Entry = { key: keyBytes, value, size: bufferValueSize(keyBytes, value), seq: previous?.seq ?? this.#seq++ }
    this.#set(k, entry)
    if (previous === undefined) this.#push({ time: value.time, k, seq: entry.seq })
    this.#undo?.(() => {
      if (previous === undefined) this.#remove(k)
      else this.#set(k, previous)
    })
  }

  /** Evicts oldest first while `predicate()` holds, handing each record to `callback` before removing it. */
  evictWhile(predicate: () => boolean, callback: (eviction: Eviction<K, V>) => void): void {
    for (;;) {
      const top = this.#top()
      if (top === undefined || !predicate()) return
      const entry = this.#entries.get(top.k)!
      const { value } = entry
      callback({
        key: this.keySerde.deserialize(this.#topic, entry.key),
        value: {
          newValue: value.newValue === null ? null : this.valueSerde.deserialize(this.#topic, value.newValue),
          oldValue: value.oldValue === null ? null : this.valueSerde.deserialize(this.#topic, value.oldValue),
        },
        context: value.context,
      })
      this.#pop()
      this.#remove(top.k)
      this.#undo?.(() => {
        this.#set(top.k, entry)
        this.#push(top)
      })
    }
  }

  /** Logs the keys changed since the last flush: the buffered record, or a tombstone. */
  flush(): void {
    const context = this.#context
    if (context === null || this.#dirty.size === 0) return
    if (this.loggingEnabled) {
      for (const [k, key] of this.#dirty) {
        const entry = this.#entries.get(k)
        if (entry === undefined) context.logChange(this.name, key, null, context.currentTimestamp())
        else context.logChange(this.name, key, encodeBufferValue(entry.value), entry.value.context.timestamp)
      }
    }
    this.#dirty.clear()
  }

  close(): void {
    this.#entries.clear()
    this.#heap = []
    this.#dirty.clear()
    this.#bytes = 0
    this.#context = null
  }

  #restore(batch: ReadonlyArray<ChangelogRecord>): void {
    if (this.#context === null) throw new InvalidStateStoreError(`Store ${this.name} is not open`)
    for (const { key, value } of batch) {
      const k = keyString(key)
      if (value === null) {
        this.#remove(k)
        continue
      }
      const decoded = decodeBufferValue(value)
      const entry: Entry = { key: keyBuffer(k), value: decoded, size: bufferValueSize(key, decoded), seq: this.#seq++ }
      // A new sequence number leaves the key's previous heap item stale (dropped when it surfaces).
      this.#set(k, entry)
      this.#push({ time: decoded.time, k, seq: entry.seq })
    }
    // Restoring is not a change to log again.
    this.#dirty.clear()
  }

  #set(k: string, entry: Entry): void {
    const previous = this.#entries.get(k)
    if (previous !== undefined) this.#bytes -= previous.size
    this.#entries.set(k, entry)
    this.#bytes += entry.size
    this.#dirty.set(k, entry.key)
  }

  #remove(k: string): void {
    const previous = this.#entries.get(k)
    if (previous === undefined) return
    this.#entries.delete(k)
    this.#bytes -= previous.size
    this.#dirty.set(k, previous.key)
  }

  /** The live heap top: items of updated, evicted or removed entries are dropped on the way. */
  #top(): HeapItem | undefined {
    for (;;) {
      const top = this.#heap[0]
      if (top === undefined) return undefined
      if (this.#entries.get(top.k)?.seq === top.seq) return top
      this.#pop()
    }
  }

  #push(item: HeapItem): void {
    const heap = this.#heap
    heap.push(item)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(item, heap[parent]!)) break
      heap[i] = heap[parent]!
      i = parent
    }
    heap[i] = item
  }

  #pop(): void {
    const heap = this.#heap
    const last = heap.pop()
    if (last === undefined || heap.length === 0) return
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      if (left >= heap.length) break
      const right = left + 1
      const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left
      if (!before(heap[child]!, last)) break
      heap[i] = heap[child]!
      i = child
    }
    heap[i] = last
  }
}

/** Buffer order: time, then key bytes (as Kafka's `BufferKey`), then age. */
function before(a: HeapItem, b: HeapItem): boolean {
  if (a.time !== b.time) return a.time < b.time
  if (a.k !== b.k) return a.k < b.k
  return a.seq < b.seq
}
