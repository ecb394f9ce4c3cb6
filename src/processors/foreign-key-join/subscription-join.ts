import type { KTableValueGetter, KTableValueGetterSupplier } from '../ktable-value-getter.ts'
import type { Processor, ProcessorContext } from '../processor.ts'
import type { Record } from '../record.ts'
import type { ReceivedSubscription } from './subscription-receive.ts'
import { Instruction, type SubscriptionResponseWrapper } from './wrappers.ts'

/**
 * Answers a subscription with the right table's current row (Kafka's
 * `SubscriptionJoinProcessorSupplier`), as the instruction says: always (null when absent),
 * only when the row exists, with null for an unsubscribing delete, or not at all. The answer
 * is keyed by the left row's key, bound for the response topic; its timestamp is the later of
 * the subscription's and the right row's.
 */
export class SubscriptionJoin<K, KO, VO> implements Processor<K, ReceivedSubscription<K, KO>, K, SubscriptionResponseWrapper<VO>> {
  private readonly foreignValues: KTableValueGetter<KO, VO>
  private context!: ProcessorContext<K, SubscriptionResponseWrapper<VO>>

  constructor(foreignTable: KTableValueGetterSupplier<KO, VO>) {
    this.foreignValues = foreignTable.get()
  }

  init(context: ProcessorContext<K, SubscriptionResponseWrapper<VO>>): void {
    this.context = context
    this.foreignValues.init(context)
  }

  process(record: Record<K, ReceivedSubscription<K, KO>>): void {
    const { foreignKey, subscription } = record.value
    const row = foreignKey === null ? undefined : this.foreignValues.get(foreignKey)
    const timestamp = row === undefined ? record.timestamp : Math.max(record.timestamp, row.timestamp)
    let foreignValue: VO | null
    switch (subscription.instruction) {
      case Instruction.DELETE_KEY_NO_PROPAGATE:
        return
      case Instruction.DELETE_KEY_AND_PROPAGATE:
        foreignValue = null
        break
      case Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE:
        foreignValue = row === undefined ? null : row.value
        break
      case Instruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE:
        if (row === undefined) return
        foreignValue = row.value
        break
    }
    const response = { hash: subscription.hash, foreignValue, primaryPartition: subscription.primaryPartition }
    this.context.forward(record.withValue(response).withTimestamp(timestamp))
  }
}
