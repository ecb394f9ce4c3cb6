import { keyOf, valueOf } from './functions.ts'
import type { KeyValueLike, KeyValueMapper } from './functions.ts'
import type { Processor, ProcessorContext } from './processor.ts'
import { Record } from './record.ts'

/** `flatMap`: zero or more new key-value pairs per record, each with the input's timestamp. */
export class KStreamFlatMap<K, V, KR, VR> implements Processor<K, V, KR, VR> {
  private readonly mapper: KeyValueMapper<K, V, Iterable<KeyValueLike<KR, VR>>>
  private context!: ProcessorContext<KR, VR>

  constructor(mapper: KeyValueMapper<K, V, Iterable<KeyValueLike<KR, VR>>>) {
    this.mapper = mapper
  }

  init(context: ProcessorContext<KR, VR>): void {
    this.context = context
  }

  process(record: Record<K, V>): void {
    for (const pair of this.mapper(record.key, record.value)) {
      this.context.forward(new Record(keyOf(pair), valueOf(pair), record.timestamp, record.headers))
    }
  }
}
