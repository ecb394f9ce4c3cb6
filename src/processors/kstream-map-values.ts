import type { ValueMapper } from './functions.ts'
import type { Processor, ProcessorContext } from './processor.ts'
import type { Record } from './record.ts'

/** `mapValues`: a new value per record, same key, so no repartitioning follows. */
export class KStreamMapValues<K, V, VR> implements Processor<K, V, K, VR> {
  private readonly mapper: ValueMapper<V, VR, K>
  private context!: ProcessorContext<K, VR>

  constructor(mapper: ValueMapper<V, VR, K>) {
    this.mapper = mapper
  }

  init(context: ProcessorContext<K, VR>): void {
    this.context = context
  }

  process(record: Record<K, V>): void {
    this.context.forward(record.withValue(this.mapper(record.value, record.key)))
  }
}
