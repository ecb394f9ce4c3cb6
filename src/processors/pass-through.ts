import type { Processor, ProcessorContext } from './processor.ts'
import type { Record } from './record.ts'

/** Forwards every record unchanged: merge nodes and split branches (Kafka's `PassThrough`). */
export class PassThrough<K, V> implements Processor<K, V, K, V> {
  private context!: ProcessorContext<K, V>

  init(context: ProcessorContext<K, V>): void {
    this.context = context
  }

  process(record: Record<K, V>): void {
    this.context.forward(record)
  }
}
