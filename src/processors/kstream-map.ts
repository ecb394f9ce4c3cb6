import { keyOf, valueOf } from './functions.ts'
import type { KeyValueLike, KeyValueMapper } from './functions.ts'
import type { Processor, ProcessorContext } from './processor.ts'
import { Record } from './record.ts'

/** `map` and `selectKey`: a new key (and value) per record; the stream then needs repartitioning. */
export class KStreamMap<K, V, KR, VR> implements Processor<K, V, KR, VR> {
  private readonly mapper: KeyValueMapper<K, V, KeyValueLike<KR, VR>>
  private context!: ProcessorContext<KR, VR>

  constructor(mapper: KeyValueMapper<K, V, KeyValueLike<KR, VR>>) {
    this.mapper = mapper
  }

  init(context: ProcessorContext<KR, VR>): void {
    this.context = context
  }

  process(record: Record<K, V>): void {
    const pair = this.mapper(record.key, record.value)
    this.context.forward(new Record(keyOf(pair), valueOf(pair), record.timestamp, record.headers))
  }
}

/** `selectKey`: only the key changes, so no pair is built per record. */
export class KStreamSelectKey<K, V, KR> implements Processor<K, V, KR, V> {
  private readonly mapper: KeyValueMapper<K, V, KR>
  private context!: ProcessorContext<KR, V>

  constructor(mapper: KeyValueMapper<K, V, KR>) {
    this.mapper = mapper
  }

  init(context: ProcessorContext<KR, V>): void {
    this.context = context
  }

  process(record: Record<K, V>): void {
    this.context.forward(record.withKey(this.mapper(record.key, record.value)))
  }
}
