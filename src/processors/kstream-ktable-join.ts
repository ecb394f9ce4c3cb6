import { reportDroppedRecord } from './expired-window.ts'
import type { KeyValueMapper, ValueJoiner } from './functions.ts'
import type { KTableValueGetter, KTableValueGetterSupplier } from './ktable-value-getter.ts'
import type { Processor, ProcessorContext } from './processor.ts'
import type { Record } from './record.ts'

/**
 * `KStream.join/leftJoin(table)` and `join/leftJoin(globalTable, keySelector)` (Kafka's
 * `KStreamKTableJoinProcessor`): each stream record looks up the table's current row under the
 * mapped key (the record's own key for a KTable) and forwards the joined value; table updates
 * produce nothing. An inner join drops a record without a row, a left join joins it with null.
 * A record with a null value is dropped (and counted); so is one with a null join key (the record's
 * key, or what the key selector gave) in an inner join, while a left join joins it with null
 * (KIP-962, Kafka 3.7).
 */
export class KStreamKTableJoin<K, V, KT, VT, VR> implements Processor<K, V, K, VR> {
  private readonly getter: KTableValueGetter<KT, VT>
  private readonly keyMapper: KeyValueMapper<K, V, KT> | undefined
  private readonly joiner: ValueJoiner<V, VT | null, VR, K>
  private readonly leftJoin: boolean
  private context!: ProcessorContext<K, VR>

  constructor(
    table: KTableValueGetterSupplier<KT, VT>,
    keyMapper: KeyValueMapper<K, V, KT> | undefined,
    joiner: ValueJoiner<V, VT | null, VR, K>,
    leftJoin: boolean,
  ) {
    this.getter = table.get()
    this.keyMapper = keyMapper
    this.joiner = joiner
    this.leftJoin = leftJoin
  }

  init(context: ProcessorContext<K, VR>): void {
    this.context = context
    this.getter.init(context)
  }

  process(record: Record<K, V>): void {
    const value = record.value
    const joinKey = value === null || value === undefined
      ? undefined
      : this.keyMapper === undefined ? (record.key as unknown as KT) : this.keyMapper(record.key, value)
    if (joinKey === null || joinKey === undefined) {
      // KIP-962 (Kafka 3.7): a left join joins a record without a join key with null.
      if (this.leftJoin && value !== null && value !== undefined) {
        this.context.forward(record.withValue(this.joiner(value, null, record.key)))
        return
      }
      reportDroppedRecord(this.context, 'Skipping record due to null join key or value', {})
      return
    }
    const row = this.getter.get(joinKey)
    if (row === undefined && !this.leftJoin) return
    this.context.forward(record.withValue(this.joiner(value, row === undefined ? null : row.value, record.key)))
  }
}
