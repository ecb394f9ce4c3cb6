import type { ValueMapper } from './functions.ts'
import type { Processor, ProcessorContext } from './processor.ts'
import type { Record } from './record.ts'

/** `flatMapValues`: zero or more values per record, all under the input's key. */
export class KStreamFlatMapValues<K, V, VR> implements Processor<K, V, K, VR> {
  private readonly mapper: ValueMapper<V, Iterable<VR>, K>
  private context!: ProcessorContext<K, VR>

  constructor(mapper: ValueMapper<V, Iterable<VR>, K>) {
    this.mapper = mapper
  }

  init(context: ProcessorContext<K, VR>): void {
    this.context = context
  }

  process(record: Record<K, V>): void {
    for (const value of this.mapper(record.value, record.key)) {
      this.context.forward(record.withValue(value))
    }
  }
}
