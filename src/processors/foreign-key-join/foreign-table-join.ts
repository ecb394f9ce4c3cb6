import { bytes } from '../../serdes/bytes.ts'
import type { Serde } from '../../serdes/serde.ts'
import type { TimestampedKeyValueStore } from '../../state/store.ts'
import type { Change } from '../change.ts'
import { reportDroppedRecord } from '../expired-window.ts'
import type { Processor, ProcessorContext } from '../processor.ts'
import type { Record } from '../record.ts'
import { combinedKeyPrefix, type SubscriptionResponseWrapper, type SubscriptionWrapper } from './wrappers.ts'

export interface ForeignTableJoinOptions<KO> {
  readonly storeName: string
  readonly foreignKeySerde: Serde<KO>
  readonly serdeTopic: string
}

/**
 * A right-table update in a foreign-key join (Kafka's `ForeignTableJoinProcessorSupplier`): scans
 * the subscription store for the left rows pointing at this key and sends each its new right
 * value (null for a delete), tagged with the hash of the left value that subscribed.
 */
export class ForeignTableJoin<K, KO, VO> implements Processor<KO, Change<VO>, K, SubscriptionResponseWrapper<VO>> {
  private readonly o: ForeignTableJoinOptions<KO>
  private context!: ProcessorContext<K, SubscriptionResponseWrapper<VO>>
  private store!: TimestampedKeyValueStore<Buffer, SubscriptionWrapper<K>>

  constructor(options: ForeignTableJoinOptions<KO>) {
    this.o = options
  }

  init(context: ProcessorContext<K, SubscriptionResponseWrapper<VO>>): void {
    this.context = context
    this.store = context.getStateStore<TimestampedKeyValueStore<Buffer, SubscriptionWrapper<K>>>(this.o.storeName)
  }

  process(record: Record<KO, Change<VO>>): void {
    if (record.key === null || record.key === undefined) {
      reportDroppedRecord(this.context, 'Skipping record due to null key', {})
      return
    }
    const prefix = combinedKeyPrefix(this.o.foreignKeySerde.serialize(this.o.serdeTopic, record.key))
    const foreignValue = record.value.newValue
    // Collect first: forwarding may write the store (a self-join) while a RocksDB iterator is open.
    const subscriptions: SubscriptionWrapper<K>[] = []
    const iterator = this.store.prefixScan(prefix, bytes())
    try {
      for (const entry of iterator) subscriptions.push(entry.value.value)
    } finally {
      iterator.close()
    }
    for (const s of subscriptions) {
      this.context.forward(record.withKey(s.primaryKey).withValue({ hash: s.hash, foreignValue, primaryPartition: s.primaryPartition }))
    }
  }
}
