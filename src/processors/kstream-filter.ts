import type { Predicate } from './functions.ts'
import type { Processor, ProcessorContext } from './processor.ts'
import type { Record } from './record.ts'

/** `filter` / `filterNot`: forwards the records the predicate accepts (or, with `not`, rejects). */
export class KStreamFilter<K, V> implements Processor<K, V, K, V> {
  private readonly predicate: Predicate<K, V>
  private readonly not: boolean
  private context!: ProcessorContext<K, V>

  constructor(predicate: Predicate<K, V>, not: boolean) {
    this.predicate = predicate
    this.not = not
  }

  init(context: ProcessorContext<K, V>): void {
    this.context = context
  }

  process(record: Record<K, V>): void {
    if (this.predicate(record.key, record.value) !== this.not) this.context.forward(record)
  }
}

/** Drops records with a null or undefined key before a repartition topic (they have no partition). */
export function isKeyPresent(key: unknown): boolean {
  return key !== null && key !== undefined
}
