import type { Serde } from '../../serdes/serde.ts'
import { reportDroppedRecord } from '../expired-window.ts'
import type { ValueJoiner } from '../functions.ts'
import type { KTableValueGetter, KTableValueGetterSupplier } from '../ktable-value-getter.ts'
import type { Processor, ProcessorContext } from '../processor.ts'
import type { Record } from '../record.ts'
import { sameHash, valueHash, type SubscriptionResponseWrapper } from './wrappers.ts'

export interface ResponseJoinOptions<K, V, VO, VR> {
  readonly primaryTable: KTableValueGetterSupplier<K, V>
  readonly valueSerde: Serde<V>
  readonly hashTopic: string
  readonly joiner: ValueJoiner<V, VO | null, VR, K>
  readonly leftJoin: boolean
}

/**
 * The left side receiving an answer (Kafka's `ResponseJoinProcessorSupplier`): an answer is for
 * the left value whose hash it carries; if the row has changed since (a newer subscription is on
 * its way), it is stale and dropped. Otherwise the join result is forwarded: the joined value, or
 * null (a delete) when the right row is missing in an inner join or the left row is gone.
 */
export class ResponseJoin<K, V, VO, VR> implements Processor<K, SubscriptionResponseWrapper<VO>, K, VR | null> {
  private readonly o: ResponseJoinOptions<K, V, VO, VR>
  private readonly primary: KTableValueGetter<K, V>
  private context!: ProcessorContext<K, VR | null>

  constructor(options: ResponseJoinOptions<K, V, VO, VR>) {
    this.o = options
    this.primary = options.primaryTable.get()
  }

  init(context: ProcessorContext<K, VR | null>): void {
    this.context = context
    this.primary.init(context)
  }

  process(record: Record<K, SubscriptionResponseWrapper<VO>>): void {
    const response = record.value
    const current = this.primary.get(record.key)
    const currentHash = current === undefined ? null : valueHash(this.o.valueSerde.serialize(this.o.hashTopic, current.value))
    if (!sameHash(response.hash, currentHash)) {
      reportDroppedRecord(this.context, 'Dropping foreign-key join response due to hash mismatch (the row changed since)', {})
      return
    }
    const foreignValue = response.foreignValue
    const result = current === undefined || (foreignValue === null && !this.o.leftJoin)
      ? null
      : this.o.joiner(current.value, foreignValue, record.key)
    this.context.forward(record.withValue(result))
  }
}
