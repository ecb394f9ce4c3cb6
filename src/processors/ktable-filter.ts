import type { TimestampedKeyValueStore } from '../state/store.ts'
import type { Change, SendOldValues } from './change.ts'
import type { Predicate } from './functions.ts'
import type { Processor, ProcessorContext } from './processor.ts'
import type { Record } from './record.ts'
import { TimestampedTupleForwarder } from './timestamped-tuple-forwarder.ts'

/**
 * `KTable.filter` / `filterNot` (Kafka's `KTableFilter`): a row the predicate rejects becomes a
 * delete, so downstream tables drop it. When old values are sent and neither the old nor the
 * new row passes, nothing changed downstream and nothing is forwarded. A materialized filter
 * keeps its result rows in its own store and takes old values from there.
 */
export class KTableFilter<K, V> implements Processor<K, Change<V>, K, Change<V>> {
  private readonly predicate: Predicate<K, V>
  private readonly not: boolean
  private readonly storeName: string | undefined
  private readonly flags: SendOldValues
  private sendOldValues = false
  private context!: ProcessorContext<K, Change<V>>
  private store: TimestampedKeyValueStore<K, V> | undefined
  private forwarder: TimestampedTupleForwarder<K, V> | undefined

  constructor(predicate: Predicate<K, V>, not: boolean, storeName: string | undefined, flags: SendOldValues) {
    this.predicate = predicate
    this.not = not
    this.storeName = storeName
    this.flags = flags
  }

  init(context: ProcessorContext<K, Change<V>>): void {
    this.context = context
    this.sendOldValues = this.flags.sendOldValues
    if (this.storeName !== undefined) {
      this.store = context.getStateStore<TimestampedKeyValueStore<K, V>>(this.storeName)
      this.forwarder = new TimestampedTupleForwarder(this.store, context, this.sendOldValues)
    }
  }

  process(record: Record<K, Change<V>>): void {
    const key = record.key
    const newValue = this.compute(key, record.value.newValue)
    let oldValue: V | null = null
    if (this.sendOldValues) {
      oldValue = this.store !== undefined ? (this.store.get(key)?.value ?? null) : this.compute(key, record.value.oldValue)
      if (oldValue === null && newValue === null) return
    }
    const update = record.withValue({ newValue, oldValue })
    if (this.store === undefined) return this.context.forward(update)
    this.store.put(key, newValue === null ? null : { value: newValue, timestamp: record.timestamp })
    this.forwarder!.maybeForward(update)
  }

  private compute(key: K, value: V | null): V | null {
    return value !== null && this.predicate(key, value) !== this.not ? value : null
  }
}
