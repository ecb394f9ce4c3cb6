import type { TimestampedKeyValueStore } from '../state/store.ts'
import type { Change, SendOldValues } from './change.ts'
import type { Aggregator, Initializer } from './functions.ts'
import type { Processor, ProcessorContext } from './processor.ts'
import { Record } from './record.ts'
import { TimestampedTupleForwarder } from './timestamped-tuple-forwarder.ts'

/**
 * `KGroupedTable.aggregate()` and `count()` (Kafka's `KTableAggregate`): subtracts a change's old
 * value from the group's aggregate, then adds its new value. A group whose rows all left keeps
 * its aggregate (a count goes to 0), as in Kafka Streams. The timestamp is the largest of the
 * aggregate's and the update's.
 */
export class KTableAggregate<K, V, VA> implements Processor<K, Change<V>, K, Change<VA>> {
  private readonly storeName: string
  private readonly initializer: Initializer<VA>
  private readonly adder: Aggregator<K, V, VA>
  private readonly subtractor: Aggregator<K, V, VA>
  private readonly flags: SendOldValues
  private sendOldValues = false
  private store!: TimestampedKeyValueStore<K, VA>
  private forwarder!: TimestampedTupleForwarder<K, VA>

  constructor(
    storeName: string,
    initializer: Initializer<VA>,
    adder: Aggregator<K, V, VA>,
    subtractor: Aggregator<K, V, VA>,
    flags: SendOldValues,
  ) {
    this.storeName = storeName
    this.initializer = initializer
    this.adder = adder
    this.subtractor = subtractor
    this.flags = flags
  }

  init(context: ProcessorContext<K, Change<VA>>): void {
    this.sendOldValues = this.flags.sendOldValues
    this.store = context.getStateStore<TimestampedKeyValueStore<K, VA>>(this.storeName)
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
    if (change.oldValue !== null && aggregate !== null) aggregate = this.subtractor(key, change.oldValue, aggregate)
    if (change.newValue !== null) aggregate = this.adder(key, change.newValue, aggregate === null ? this.initializer() : aggregate)
    this.store.put(key, aggregate === null ? null : { value: aggregate, timestamp })
    const oldValue = this.sendOldValues ? oldAggregate : null
    this.forwarder.maybeForward(new Record(key, { newValue: aggregate, oldValue }, timestamp, record.headers))
  }
}
