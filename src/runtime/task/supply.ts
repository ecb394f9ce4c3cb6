import type { Processor } from '../../processors/processor.ts'
import { StreamsError } from './errors.ts'

/** Processors handed out by suppliers so far: a supplier returning the same object twice is a bug. */
const suppliedProcessors = new WeakSet<object>()

/** A fresh processor for one task from its supplier (Kafka Streams' `ProcessorSupplier` check). */
export function supply(name: string, supplier: () => Processor<any, any, any, any>): Processor<any, any, any, any> {
  const processor = supplier()
  if (processor === null || typeof processor !== 'object' || typeof processor.process !== 'function') {
    throw new StreamsError(`The supplier of processor "${name}" did not return a processor (an object with process())`)
  }
  if (suppliedProcessors.has(processor)) {
    throw new StreamsError(`The supplier of processor "${name}" returned an instance it had returned before; each task needs a new one`)
  }
  suppliedProcessors.add(processor)
  return processor
}

