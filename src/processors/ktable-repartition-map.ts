import type { Change } from './change.ts'
import { keyOf, valueOf } from './functions.ts'
import type { KeyValueLike, KeyValueMapper } from './functions.ts'
import type { Processor, ProcessorContext } from './processor.ts'
import { Record } from './record.ts'

/**
 * `KTable.groupBy` (Kafka's `KTableRepartitionMap`): maps a row to its group key and value and
 * sends the aggregation a subtraction of the old row from its old group and an addition of the
 * new row to its new group. When both land in the same group they travel as one change, so the
 * aggregate moves in one step. A pair with a null key or value is skipped. Needs old values.
 */
export class KTableRepartitionMap<K, V, KR, VR> implements Processor<K, Change<V>, KR, Change<VR>> {
  private readonly mapper: KeyValueMapper<K, V, KeyValueLike<KR, VR>>
  private context!: ProcessorContext<KR, Change<VR>>

  constructor(mapper: KeyValueMapper<K, V, KeyValueLike<KR, VR>>) {
    this.mapper = mapper
  }

  init(context: ProcessorContext<KR, Change<VR>>): void {
    this.context = context
  }

  process(record: Record<K, Change<V>>): void {
    const change = record.value
    let newKey: KR | null | undefined = null
    let newValue: VR | null | undefined = null
    if (change.newValue !== null) {
      const pair = this.mapper(record.key, change.newValue)
      newKey = keyOf(pair)
      newValue = valueOf(pair)
    }
    let oldKey: KR | null | undefined = null
    let oldValue: VR | null | undefined = null
    if (change.oldValue !== null) {
      const pair = this.mapper(record.key, change.oldValue)
      oldKey = keyOf(pair)
      oldValue = valueOf(pair)
    }
    const hasNew = newKey !== null && newKey !== undefined && newValue !== null && newValue !== undefined
    const hasOld = oldKey !== null && oldKey !== undefined && oldValue !== null && oldValue !== undefined
    if (hasNew && hasOld && newKey === oldKey) {
      this.forward(newKey as KR, newValue as VR, oldValue as VR, record)
      return
    }
    // The subtraction goes first, as in Kafka Streams, so a group never counts a row twice.
    if (hasOld) this.forward(oldKey as KR, null, oldValue as VR, record)
    if (hasNew) this.forward(newKey as KR, newValue as VR, null, record)
  }

  private forward(key: KR, newValue: VR | null, oldValue: VR | null, record: Record<K, Change<V>>): void {
    this.context.forward(new Record(key, { newValue, oldValue }, record.timestamp, record.headers))
  }
}
