import type { TimestampedKeyValueStore } from '../state/store.ts'
import type { Change, SendOldValues } from './change.ts'
import { reportDroppedRecord } from './expired-window.ts'
import type { Aggregator, Initializer } from './functions.ts'
import type { Processor, ProcessorContext } from './processor.ts'
import { Record } from './record.ts'
import { TimestampedTupleForwarder } from './timestamped-tuple-forwarder.ts'

/**
 * `groupByKey().aggregate()` and `count()` (Kafka's `KStreamAggregate`): folds each record into
 * its key's aggregate in a timestamped store and forwards the table update. The aggregate's
 * timestamp is the largest timestamp of the records that built it. Records with a null key or
 * value are skipped, logged and counted as dropped, as in Kafka Streams.
 */
export class KStreamAggregate<K, V, VA> implements Processor<K, V, K, Change<VA>> {
  private readonly storeName: string
  private readonly initializer: Initializer<VA>
  private readonly aggregator: Aggregator<K, V, VA>
  private readonly flags: SendOldValues
  private sendOldValues = false
  private store!: TimestampedKeyValueStore<K, VA>
  private forwarder!: TimestampedTupleForwarder<K, VA>
  private context!: ProcessorContext<K, Change<VA>>

  constructor(storeName: string, initializer: Initializer<VA>, aggregator: Aggregator<K, V, VA>, flags: SendOldValues) {
    this.storeName = storeName
    this.initializer = initializer
    this.aggregator = aggregator
    this.flags = flags
  }

  init(context: ProcessorContext<K, Change<VA>>): void {
    this.context = context
    this.store = context.getStateStore<TimestampedKeyValueStore<K, VA>>(this.storeName)
    this.sendOldValues = this.flags.sendOldValues
    this.forwarder = new TimestampedTupleForwarder(this.store, context, this.sendOldValues)
  }

  process(record: Record<K, V>): void {
    const key = record.key
    if (key === null || key === undefined || record.value === null || record.value === undefined) {
      reportDroppedRecord(this.context, 'Skipping record due to null key or value', {})
      return
    }
    const old = this.store.get(key)
    let timestamp = record.timestamp
    let aggregate: VA
    if (old === undefined) {
      aggregate = this.initializer()
    } else {
      aggregate = old.value
      if (old.timestamp > timestamp) timestamp = old.timestamp
    }
    const newAggregate = this.aggregator(key, record.value, aggregate)
    this.store.put(key, { value: newAggregate, timestamp })
    // An absent row has no old value (Kafka forwards the initializer's value here; a downstream
    // subtractor would then take a value out of a group it was never added to).
    const oldValue = this.sendOldValues && old !== undefined ? old.value : null
    this.forwarder.maybeForward(new Record(key, { newValue: newAggregate, oldValue }, timestamp, record.headers))
  }
}
