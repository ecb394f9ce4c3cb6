import type { Serde } from '../../serdes/serde.ts'
import type { TimestampedKeyValueStore } from '../../state/store.ts'
import { reportDroppedRecord } from '../expired-window.ts'
import type { Processor, ProcessorContext } from '../processor.ts'
import type { Record } from '../record.ts'
import { combinedKey, Instruction, type SubscriptionWrapper } from './wrappers.ts'

/** A subscription as it travels on from the receiver: the foreign key it is about, and the wrapper. */
export interface ReceivedSubscription<K, KO> {
  readonly foreignKey: KO | null
  readonly subscription: SubscriptionWrapper<K>
}

export interface SubscriptionReceiveOptions<KO> {
  readonly storeName: string
  readonly foreignKeySerde: Serde<KO>
  readonly primaryKeySerde: Serde<any>
  /** Topic name handed to the key serdes when building store keys. */
  readonly serdeTopic: string
}

/**
 * The right table's side of the subscription topic (Kafka's `SubscriptionReceiveProcessorSupplier`):
 * keeps every left row's subscription in the subscription store under `(foreign key, primary key)`
 * — removed when unsubscribed — so right-side updates can find the rows that point at them.
 * A null foreign key (a left join's row pointing nowhere) is not stored but still answered.
 */
export class SubscriptionReceive<K, KO> implements Processor<KO | null, SubscriptionWrapper<K>, K, ReceivedSubscription<K, KO>> {
  private readonly o: SubscriptionReceiveOptions<KO>
  private context!: ProcessorContext<K, ReceivedSubscription<K, KO>>
  private store!: TimestampedKeyValueStore<Buffer, SubscriptionWrapper<K>>

  constructor(options: SubscriptionReceiveOptions<KO>) {
    this.o = options
  }

  init(context: ProcessorContext<K, ReceivedSubscription<K, KO>>): void {
    this.context = context
    this.store = context.getStateStore<TimestampedKeyValueStore<Buffer, SubscriptionWrapper<K>>>(this.o.storeName)
  }

  process(record: Record<KO | null, SubscriptionWrapper<K>>): void {
    const subscription = record.value
    const foreignKey = record.key === undefined ? null : record.key
    if (subscription === null || subscription === undefined) return
    if (foreignKey === null) {
      if (subscription.instruction !== Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE) {
        reportDroppedRecord(this.context, 'Skipping record due to null foreign key', {})
        return
      }
    } else {
      const topic = this.o.serdeTopic
      const key = combinedKey(this.o.foreignKeySerde.serialize(topic, foreignKey), this.o.primaryKeySerde.serialize(topic, subscription.primaryKey))
      const unsubscribe = subscription.instruction === Instruction.DELETE_KEY_AND_PROPAGATE ||
        subscription.instruction === Instruction.DELETE_KEY_NO_PROPAGATE
      this.store.put(key, unsubscribe ? null : { value: subscription, timestamp: record.timestamp })
    }
    this.context.forward(record.withKey(subscription.primaryKey).withValue({ foreignKey, subscription }))
  }
}
