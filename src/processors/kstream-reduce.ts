import type { TimestampedKeyValueStore } from '../state/store.ts'
import type { Change, SendOldValues } from './change.ts'
import { reportDroppedRecord } from './expired-window.ts'
import type { Reducer } from './functions.ts'
import type { Processor, ProcessorContext } from './processor.ts'
import { Record } from './record.ts'
import { TimestampedTupleForwarder } from './timestamped-tuple-forwarder.ts'

/**
 * `groupByKey().reduce()` (Kafka's `KStreamReduce`): the first value of a key is its aggregate,
 * later values are combined into it. Null keys and values are skipped, logged and counted as
 * dropped.
 */
export class KStreamReduce<K, V> implements Processor<K, V, K, Change<V>> {
  private readonly storeName: string
  private readonly reducer: Reducer<V>
  private readonly flags: SendOldValues
  private sendOldValues = false
  private store!: TimestampedKeyValueStore<K, V>
  private forwarder!: TimestampedTupleForwarder<K, V>
  private context!: ProcessorContext<K, Change<V>>

  constructor(storeName: string, reducer: Reducer<V>, flags: SendOldValues) {
    this.storeName = storeName
    this.reducer = reducer
    this.flags = flags
  }

  init(context: ProcessorContext<K, Change<V>>): void {
    this.context = context
    this.store = context.getStateStore<TimestampedKeyValueStore<K, V>>(this.storeName)
    this.sendOldValues = this.flags.sendOldValues
    this.forwarder = new TimestampedTupleForwarder(this.store, context, this.sendOldValues)
  }

  process(record: Record<K, V>): void {
    const key = record.key
    const value = record.value
    if (key === null || key === undefined || value === null || value === undefined) {
      reportDroppedRecord(this.context, 'Skipping record due to null key or value', {})
      return
    }
    const old = this.store.get(key)
    let timestamp = record.timestamp
    let aggregate: V
    if (old === undefined) {
      aggregate = value
    } else {
      aggregate = this.reducer(old.value, value)
      if (old.timestamp > timestamp) timestamp = old.timestamp
    }
    this.store.put(key, { value: aggregate, timestamp })
    const oldValue = this.sendOldValues && old !== undefined ? old.value : null
    this.forwarder.maybeForward(new Record(key, { newValue: aggregate, oldValue }, timestamp, record.headers))
  }
}
