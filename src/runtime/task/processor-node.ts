import type { Processor } from '../../processors/processor.ts'

/**
 * One node of a task's processor graph: a fresh processor instance plus its children. Sources,
 * processors and sinks are all this one class so that `forward()`'s call site stays monomorphic;
 * what differs is the processor inside (a sink node's processor serializes and sends).
 */
export class ProcessorNode {
  readonly name: string
  readonly processor: Processor<any, any, any, any>
  readonly children: ProcessorNode[] = []
  /** Stores this node may open with `getStateStore`. */
  readonly stores: ReadonlySet<string>
  /**
   * Records this node received (Kafka Streams' node `process-total`): a plain integer the context
   * increments on every forward, which the metrics layer reads at scrape time.
   */
  processed = 0
  /** Set on sink nodes while metrics are on: observes each sent record's end-to-end latency in seconds. */
  latency: { observe(seconds: number): void } | undefined = undefined
  #childByName: Map<string, ProcessorNode> | undefined

  constructor(name: string, processor: Processor<any, any, any, any>, stores: ReadonlySet<string> = EMPTY) {
    this.name = name
    this.processor = processor
    this.stores = stores
  }

  addChild(child: ProcessorNode): void {
    this.children.push(child)
    this.#childByName = undefined
  }

  child(name: string): ProcessorNode | undefined {
    this.#childByName ??= new Map(this.children.map((c) => [c.name, c]))
    return this.#childByName.get(name)
  }
}

const EMPTY: ReadonlySet<string> = new Set()

/** Source nodes only forward: the task deserializes and hands the record to their children. */
export const SOURCE_PROCESSOR: Processor<any, any, any, any> = {
  process() {
    throw new Error('A source node does not process records; the task forwards to its children')
  },
}
