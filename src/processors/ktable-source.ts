import type { TimestampedKeyValueStore } from '../state/store.ts'
import type { Change, SendOldValues } from './change.ts'
import { reportDroppedRecord } from './expired-window.ts'
import type { Processor, ProcessorContext } from './processor.ts'
import type { Record } from './record.ts'
import { isSameValue } from './same-value.ts'
import { TimestampedTupleForwarder } from './timestamped-tuple-forwarder.ts'

/**
 * Turns a changelog stream into table updates (Kafka's `KTableSource`), for `builder.table()`,
 * `globalTable()` and `stream.toTable()`. Every row goes to the table's store; a null value
 * deletes it. An update that repeats the stored value (and does not go back in time) is dropped,
 * as Kafka Streams does since KIP-557, so a repeated row does not ripple downstream; so is the
 * delete of an absent row. Records with a null key are skipped, logged and counted as dropped.
 *
 * A global table's processor writes its store and forwards nothing (`forwards: false`).
 */
export class KTableSource<K, V> implements Processor<K, V | null, K, Change<V>> {
  private readonly storeName: string
  private readonly flags: SendOldValues
  private readonly forwards: boolean
  private sendOldValues = false
  private store!: TimestampedKeyValueStore<K, V>
  private forwarder!: TimestampedTupleForwarder<K, V>
  private context!: ProcessorContext<K, Change<V>>

  constructor(storeName: string, flags: SendOldValues, forwards = true) {
    this.storeName = storeName
    this.flags = flags
    this.forwards = forwards
  }

  init(context: ProcessorContext<K, Change<V>>): void {
    this.context = context
    this.store = context.getStateStore<TimestampedKeyValueStore<K, V>>(this.storeName)
    this.sendOldValues = this.flags.sendOldValues
    if (this.forwards) this.forwarder = new TimestampedTupleForwarder(this.store, context, this.sendOldValues)
  }

  process(record: Record<K, V | null>): void {
    const key = record.key
    if (key === null || key === undefined) {
      reportDroppedRecord(this.context, 'Skipping record due to null key', {})
      return
    }
    const value = record.value === undefined ? null : record.value
    const old = this.store.get(key)
    if (old === undefined) {
      if (value === null) return
    } else if (value !== null && record.timestamp >= old.timestamp && isSameValue(old.value, value)) {
      return
    }
    this.store.put(key, value === null ? null : { value, timestamp: record.timestamp })
    if (!this.forwards) return
    const oldValue = this.sendOldValues && old !== undefined ? old.value : null
    this.forwarder.maybeForward(record.withValue({ newValue: value, oldValue }))
  }
}
