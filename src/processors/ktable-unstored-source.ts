import type { Change } from './change.ts'
import type { Processor, ProcessorContext } from './processor.ts'
import type { Record } from './record.ts'

/**
 * A `KTableSource` without a store (Kafka's, when not materialized): each value becomes a table
 * update with no old value. Used for a join result table until someone needs its rows or old
 * values, at which point the DSL stores it and `KTableSource` takes over.
 */
export class KTableUnstoredSource<K, V> implements Processor<K, V | null, K, Change<V>> {
  private context!: ProcessorContext<K, Change<V>>

  init(context: ProcessorContext<K, Change<V>>): void {
    this.context = context
  }

  process(record: Record<K, V | null>): void {
    if (record.key === null || record.key === undefined) return
    this.context.forward(record.withValue({ newValue: record.value === undefined ? null : record.value, oldValue: null }))
  }
}
