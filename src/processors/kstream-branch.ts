import type { Predicate } from './functions.ts'
import type { Processor, ProcessorContext } from './processor.ts'
import type { Record } from './record.ts'

/**
 * `split()`: sends each record to the child of the first predicate that accepts it, or to the
 * default branch (a child without predicate) if there is one, else drops it. The DSL fills the
 * shared arrays while branches are added, so they are read only when a task creates the processor.
 */
export class KStreamBranch<K, V> implements Processor<K, V, K, V> {
  private readonly predicates: ReadonlyArray<Predicate<K, V>>
  private readonly childNames: ReadonlyArray<string>
  private context!: ProcessorContext<K, V>

  constructor(predicates: ReadonlyArray<Predicate<K, V>>, childNames: ReadonlyArray<string>) {
    this.predicates = predicates
    this.childNames = childNames
  }

  init(context: ProcessorContext<K, V>): void {
    this.context = context
  }

  process(record: Record<K, V>): void {
    const predicates = this.predicates
    for (let i = 0; i < predicates.length; i++) {
      if (predicates[i]!(record.key, record.value)) {
        this.context.forward(record, this.childNames[i])
        return
      }
    }
    // A default branch is the one child name past the predicates.
    const fallback = this.childNames[predicates.length]
    if (fallback !== undefined) this.context.forward(record, fallback)
  }
}
