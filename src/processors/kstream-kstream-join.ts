import type { KeyValueStore } from '../state/store.ts'
import type { WindowStore } from '../state/window-store.ts'
import { reportDroppedRecord } from './expired-window.ts'
import type { ValueJoiner } from './functions.ts'
import type { JoinTimeTracker, JoinTimeTrackers } from './join-time-tracker.ts'
import type { LeftOrRightValue, TimestampedKeyAndJoinSide } from './outer-join-records.ts'
import type { Processor, ProcessorContext } from './processor.ts'
import type { Record } from './record.ts'

export interface StreamJoinSideOptions<K, VThis, VOther, VR> {
  /** True for the left input's processor. */
  readonly leftSide: boolean
  /** The other input's window store. */
  readonly otherWindowStore: string
  /** This side looks for other records in `[ts - beforeMs, ts + afterMs]` (the windows, mirrored for the right side). */
  readonly beforeMs: number
  readonly afterMs: number
  readonly graceMs: number
  /** The join windows as given (not mirrored): how long each side's unjoined records wait. */
  readonly windowBeforeMs: number
  readonly windowAfterMs: number
  /** This side's unjoined records are emitted joined with null (left side of a left join; outer). */
  readonly outer: boolean
  /** Shared by both sides of left and outer joins: records waiting for their window to close. */
  readonly outerJoinStore: string | undefined
  readonly trackers: JoinTimeTrackers
  /** This side's value first (the DSL reverses the user's joiner for the right side). */
  readonly joiner: ValueJoiner<VThis | null, VOther | null, VR, K>
}

type OuterStore<K> = KeyValueStore<TimestampedKeyAndJoinSide<K>, ReadonlyArray<LeftOrRightValue<unknown, unknown>>>

/**
 * One side of a windowed stream-stream join (Kafka's `KStreamKStreamJoin`, with the KIP-633 /
 * Kafka 3.1 fix against spurious results): each record joins every record of the other side with
 * the same key within the window, with the later of the two timestamps. In a left or outer join a
 * record that finds no partner is not emitted at once: it waits in the outer-join store and is
 * emitted joined with null only once stream time has passed its window end plus the grace
 * period — unless a partner arrives first, which removes it. A record already too late to wait
 * (its window ended before the current stream time) is emitted at once. A record with a null key
 * (and a value) on an outer side is emitted joined with null at once (KIP-962, Kafka 3.7); inner
 * sides drop and count it.
 */
export class KStreamKStreamJoin<K, VThis, VOther, VR> implements Processor<K, VThis, K, VR> {
  private readonly o: StreamJoinSideOptions<K, VThis, VOther, VR>
  private context!: ProcessorContext<K, VR>
  private otherWindow!: WindowStore<K, VOther>
  private outerStore: OuterStore<K> | undefined
  private time!: JoinTimeTracker

  constructor(options: StreamJoinSideOptions<K, VThis, VOther, VR>) {
    this.o = options
  }

  init(context: ProcessorContext<K, VR>): void {
    this.context = context
    this.otherWindow = context.getStateStore<WindowStore<K, VOther>>(this.o.otherWindowStore)
    if (this.o.outerJoinStore !== undefined) this.outerStore = context.getStateStore<OuterStore<K>>(this.o.outerJoinStore)
    this.time = this.o.trackers.get(context)
  }

  process(record: Record<K, VThis>): void {
    const o = this.o
    const timestamp = record.timestamp
    this.time.advanceStreamTime(timestamp)
    const key = record.key
    const value = record.value
    // KIP-962 (Kafka 3.7): a null key cannot match anything, so the outer side emits it at once.
    if (o.outer && (key === null || key === undefined) && value !== null && value !== undefined) {
      this.context.forward(record.withValue(o.joiner(value, null, key)))
      return
    }
    if (key === null || key === undefined || value === null || value === undefined) {
      reportDroppedRecord(this.context, 'Skipping record due to null key or value', {})
      return
    }
    if (this.outerStore !== undefined && timestamp === this.time.streamTime) this.emitNonJoinedOuterRecords(this.outerStore, record)

    const timeFrom = Math.max(0, timestamp - o.beforeMs)
    const timeTo = Math.max(0, timestamp + o.afterMs)
    const matches: Array<{ key: number; value: VOther }> = []
    const iterator = this.otherWindow.fetch(key, timeFrom, timeTo)
    try {
      for (const entry of iterator) matches.push(entry)
    } finally {
      iterator.close()
    }
    for (const other of matches) {
      // The partner joined now: it must not be emitted later as unjoined.
      if (this.outerStore !== undefined) {
        const partner = { timestamp: other.key, leftSide: !o.leftSide, key }
        if (this.outerStore.get(partner) !== undefined) this.outerStore.put(partner, null)
      }
      this.context.forward(record.withValue(o.joiner(value, other.value, key)).withTimestamp(Math.max(timestamp, other.key)))
    }
    if (matches.length > 0 || !o.outer) return
    if (this.outerStore === undefined || timeTo < this.time.streamTime) {
      this.context.forward(record.withValue(o.joiner(value, null, key)))
    } else {
      this.time.updatedMinTime(timestamp)
      const storeKey = { timestamp, leftSide: o.leftSide, key }
      const waiting = this.outerStore.get(storeKey) ?? []
      this.outerStore.put(storeKey, [...waiting, o.leftSide ? { left: value } : { right: value }])
    }
  }

  /** Emits, oldest first, the waiting records whose window (plus grace) has closed. */
  private emitNonJoinedOuterRecords(store: OuterStore<K>, record: Record<K, VThis>): void {
    const time = this.time
    const o = this.o
    // Nothing can be due while the oldest waiting record is still within reach of either side.
    if (time.minTime + Math.max(o.windowAfterMs, o.windowBeforeMs) + o.graceMs >= time.streamTime) return
    time.minTime = Number.MAX_SAFE_INTEGER
    const due: Array<{ key: TimestampedKeyAndJoinSide<K>; values: ReadonlyArray<LeftOrRightValue<unknown, unknown>> }> = []
    let leftOpen = false
    let rightOpen = false
    const iterator = store.all()
    try {
      for (const entry of iterator) {
        if (leftOpen && rightOpen) break
        // A left record waits for right records up to `after` later, a right one for left records up to `before`.
        const lookBack = entry.key.leftSide ? o.windowAfterMs : o.windowBeforeMs
        if (entry.key.timestamp + lookBack + o.graceMs >= time.streamTime) {
          if (entry.key.leftSide) leftOpen = true
          else rightOpen = true
          time.updatedMinTime(entry.key.timestamp)
          continue
        }
        due.push({ key: entry.key, values: entry.value })
      }
    } finally {
      iterator.close()
    }
    for (const { key, values } of due) {
      for (const v of values) {
        const thisValue = ('left' in v) === o.leftSide ? ('left' in v ? v.left : v.right) : null
        const otherValue = ('left' in v) === o.leftSide ? null : ('left' in v ? v.left : v.right)
        const joined = o.joiner(thisValue as VThis | null, otherValue as VOther | null, key.key)
        this.context.forward(record.withKey(key.key).withValue(joined).withTimestamp(key.timestamp))
      }
      store.put(key, null)
    }
  }
}
