import type { TimestampedKeyValueStore } from '../state/store.ts'
import type { Change, SendOldValues } from './change.ts'
import type { Reducer } from './functions.ts'
import type { Processor, ProcessorContext } from './processor.ts'
import { Record } from './record.ts'
import { TimestampedTupleForwarder } from './timestamped-tuple-forwarder.ts'

/**
 * `KGroupedTable.reduce(adder, subtractor)` (Kafka's `KTableReduce`): takes the old value out of
 * the group's aggregate with the subtractor, then adds the new one (the first value of a group
 * is its aggregate).
 */
export class KTableReduce<K, V> implements Processor<K, Change<V>, K, Change<V>> {
  private readonly storeName: string
  private readonly adder: Reducer<V>
  private readonly subtractor: Reducer<V>
  private readonly flags: SendOldValues
  private sendOldValues = false
  private store!: TimestampedKeyValueStore<K, V>
  private forwarder!: TimestampedTupleForwarder<K, V>

  constructor(storeName: string, adder: Reducer<V>, subtractor: Reducer<V>, flags: SendOldValues) {
    this.storeName = storeName
    this.adder = adder
    this.subtractor = subtractor
    this.flags = flags
  }

  init(context: ProcessorContext<K, Change<V>>): void {
    this.sendOldValues = this.flags.sendOldValues
    this.store = context.getStateStore<TimestampedKeyValueStore<K, V>>(this.storeName)
    this.forwarder = new TimestampedTupleForwarder(this.store, context, this.sendOldValues)
  }

  process(record: Record<K, Change<V>>): void {
    const key = record.key
    if (key === null || key === undefined) return
    const change = record.value
    const old = this.store.get(key)
    const oldAggregate = old === undefined ? null : old.value
    const timestamp = old !== undefined && old.timestamp > record.timestamp ? old.timestamp : record.timestamp
    let aggregate = oldAggregate
    if (change.oldValue !== null && aggregate !== null) aggregate = this.subtractor(aggregate, change.oldValue)
    if (change.newValue !== null) aggregate = aggregate === null ? change.newValue : this.adder(aggregate, change.newValue)
    this.store.put(key, aggregate === null ? null : { value: aggregate, timestamp })
    const oldValue = this.sendOldValues ? oldAggregate : null
    this.forwarder.maybeForward(new Record(key, { newValue: aggregate, oldValue }, timestamp, record.headers))
  }
}
