import type { ForeachAction } from './functions.ts'
import type { Processor, ProcessorContext } from './processor.ts'
import type { Record } from './record.ts'

/** `peek` (calls the action, then forwards) and `foreach` (calls it; a terminal node). */
export class KStreamPeek<K, V> implements Processor<K, V, K, V> {
  private readonly action: ForeachAction<K, V>
  private readonly forwards: boolean
  private context!: ProcessorContext<K, V>

  constructor(action: ForeachAction<K, V>, forwards: boolean) {
    this.action = action
    this.forwards = forwards
  }

  init(context: ProcessorContext<K, V>): void {
    this.context = context
  }

  process(record: Record<K, V>): void {
    this.action(record.key, record.value)
    if (this.forwards) this.context.forward(record)
  }
}
