import type { TimestampedKeyValueStore } from '../state/store.ts'
import type { Change, SendOldValues } from './change.ts'
import type { Processor, ProcessorContext } from './processor.ts'
import type { Record } from './record.ts'
import { TimestampedTupleForwarder } from './timestamped-tuple-forwarder.ts'

/**
 * Where both sides of a table-table join meet (Kafka's `KTableKTableJoinMerger`): the joined
 * changes of either side become one table. Stored (the join was given store options), it keeps
 * the joined rows and takes old values from them; otherwise it passes the changes on, with their
 * old values only when a downstream asked for them.
 */
export class KTableKTableJoinMerger<K, V> implements Processor<K, Change<V>, K, Change<V>> {
  private readonly storeName: string | undefined
  private readonly flags: SendOldValues
  private sendOldValues = false
  private context!: ProcessorContext<K, Change<V>>
  private store: TimestampedKeyValueStore<K, V> | undefined
  private forwarder: TimestampedTupleForwarder<K, V> | undefined

  constructor(storeName: string | undefined, flags: SendOldValues) {
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
    const newValue = record.value.newValue
    if (this.store === undefined) {
      this.context.forward(this.sendOldValues ? record : record.withValue({ newValue, oldValue: null }))
      return
    }
    const old = this.store.get(record.key)
    this.store.put(record.key, newValue === null ? null : { value: newValue, timestamp: record.timestamp })
    const oldValue = this.sendOldValues && old !== undefined ? old.value : null
    this.forwarder!.maybeForward(record.withValue({ newValue, oldValue }))
  }
}
