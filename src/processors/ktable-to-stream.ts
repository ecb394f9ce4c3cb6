import type { Change } from './change.ts'
import type { Processor, ProcessorContext } from './processor.ts'
import type { Record } from './record.ts'

/** `KTable.toStream()`: each table update becomes a record of its new value (null for a delete). */
export class KTableToStream<K, V> implements Processor<K, Change<V>, K, V | null> {
  private context!: ProcessorContext<K, V | null>

  init(context: ProcessorContext<K, V | null>): void {
    this.context = context
  }

  process(record: Record<K, Change<V>>): void {
    this.context.forward(record.withValue(record.value.newValue))
  }
}
