import type { TimestampedKeyValueStore } from '../state/store.ts'
import type { Change, SendOldValues } from './change.ts'
import type { ValueMapper } from './functions.ts'
import type { Processor, ProcessorContext } from './processor.ts'
import type { Record } from './record.ts'
import { TimestampedTupleForwarder } from './timestamped-tuple-forwarder.ts'

/**
 * `KTable.mapValues` (Kafka's `KTableMapValues`): maps new and old row values; a delete stays a
 * delete (the mapper never sees null). Materialized, it keeps the mapped rows in its own store.
 */
export class KTableMapValues<K, V, VR> implements Processor<K, Change<V>, K, Change<VR>> {
  private readonly mapper: ValueMapper<V, VR, K>
  private readonly storeName: string | undefined
  private readonly flags: SendOldValues
  private sendOldValues = false
  private context!: ProcessorContext<K, Change<VR>>
  private store: TimestampedKeyValueStore<K, VR> | undefined
  private forwarder: TimestampedTupleForwarder<K, VR> | undefined

  constructor(mapper: ValueMapper<V, VR, K>, storeName: string | undefined, flags: SendOldValues) {
    this.mapper = mapper
    this.storeName = storeName
    this.flags = flags
  }

  init(context: ProcessorContext<K, Change<VR>>): void {
    this.context = context
    this.sendOldValues = this.flags.sendOldValues
    if (this.storeName !== undefined) {
      this.store = context.getStateStore<TimestampedKeyValueStore<K, VR>>(this.storeName)
      this.forwarder = new TimestampedTupleForwarder(this.store, context, this.sendOldValues)
    }
  }

  process(record: Record<K, Change<V>>): void {
    const key = record.key
    const change = record.value
    const newValue = change.newValue === null ? null : this.mapper(change.newValue, key)
    let oldValue: VR | null = null
    if (this.sendOldValues) {
      if (this.store !== undefined) oldValue = this.store.get(key)?.value ?? null
      else if (change.oldValue !== null) oldValue = this.mapper(change.oldValue, key)
    }
    const update = record.withValue({ newValue, oldValue })
    if (this.store === undefined) return this.context.forward(update)
    this.store.put(key, newValue === null ? null : { value: newValue, timestamp: record.timestamp })
    this.forwarder!.maybeForward(update)
  }
}
