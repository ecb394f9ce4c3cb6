import type { StateStore } from '../../state/store.ts'
import type { Subtopology } from '../../topology/compile.ts'
import { errorMessage, type ErrorHandling } from './error-handling.ts'
import { StreamsError } from './errors.ts'
import type { ProcessorContextImpl } from './processor-context.ts'
import { ProcessorNode, SOURCE_PROCESSOR } from './processor-node.ts'
import { RecordQueue } from './record-queue.ts'
import { SinkProcessor } from './sink-node.ts'
import { SourceNode } from './source-node.ts'
import { supply } from './supply.ts'
import type { ResolvedTaskConfig } from './task-config.ts'

/**
 * A sub-topology instantiated for one task (Kafka Streams' `ProcessorTopology`): fresh processors
 * from their suppliers wired into the graph, one record queue per input partition, fresh stores
 * from their builders — nothing shared with another task — and the processors' `init` / `close`.
 */
export class ProcessorTopology {
  /** Sources, processors and sinks by name, parents before children. */
  readonly nodes = new Map<string, ProcessorNode>()
  /** One per source topic of this task's partition, in the order the sources were declared. */
  readonly queues: ReadonlyArray<RecordQueue>
  /** The stores as built (outermost layer), in the sub-topology's order. */
  readonly stores: ReadonlyArray<StateStore>
  /** Store name → changelog topic, for the stores with logging enabled. */
  readonly changelogs = new Map<string, string>()
  /** The node the context starts at: the first source (a placeholder for a source-less topology). */
  readonly root: ProcessorNode
  #initialized = false

  constructor(subtopology: Subtopology, partition: number, taskId: string, cfg: ResolvedTaskConfig, errors: ErrorHandling) {
    const queues: RecordQueue[] = []
    for (const spec of subtopology.nodes) {
      let node: ProcessorNode
      if (spec.kind === 'source') {
        node = new ProcessorNode(spec.name, SOURCE_PROCESSOR)
        const source = new SourceNode(
          node,
          spec.spec.keySerde ?? cfg.defaultKeySerde,
          spec.spec.valueSerde ?? cfg.defaultValueSerde,
          spec.spec.timestampExtractor,
        )
        for (const topic of spec.topics) queues.push(new RecordQueue(topic, partition, source))
      } else if (spec.kind === 'processor') {
        node = new ProcessorNode(spec.name, supply(spec.name, spec.supplier), new Set(spec.stores))
      } else {
        const sink = new SinkProcessor(
          spec.name,
          spec.topic,
          spec.spec.keySerde ?? cfg.defaultKeySerde,
          spec.spec.valueSerde ?? cfg.defaultValueSerde,
          spec.spec.partitioner,
          cfg.collector,
          { taskId, errors, maxRequestSize: cfg.maxRequestSize, topicMessageLimits: cfg.topicMessageLimits },
        )
        node = new ProcessorNode(spec.name, sink)
      }
      if (spec.kind !== 'source') for (const parent of spec.parents) this.nodes.get(parent)!.addChild(node)
      this.nodes.set(spec.name, node)
    }
    this.queues = queues
    this.root = queues[0]?.source.node ?? new ProcessorNode('', SOURCE_PROCESSOR)

    const stores: StateStore[] = []
    for (const compiled of subtopology.stores) {
      const store = cfg.storeBuilderOverride(compiled.builder).build()
      if (store.name !== compiled.name) {
        throw new StreamsError(`Store builder "${compiled.name}" built a store named "${store.name}"`)
      }
      stores.push(store)
      if (compiled.changelogTopic !== undefined) this.changelogs.set(compiled.name, compiled.changelogTopic)
    }
    this.stores = stores
  }

  /** Calls every processor's `init` (which may open stores and schedule punctuators); throws naming the one that failed. */
  initProcessors(ctx: ProcessorContextImpl, taskId: string): void {
    for (const node of this.nodes.values()) {
      if (node.processor.init === undefined) continue
      ctx.currentNode = node
      try {
        node.processor.init(ctx)
      } catch (error) {
        throw new StreamsError(`Task ${taskId}: processor "${node.name}" failed to initialise: ${errorMessage(error)}`, { cause: error })
      }
    }
    this.#initialized = true
  }

  /** Calls every initialised processor's `close`, all of them even when one throws; returns the first error. */
  closeProcessors(ctx: ProcessorContextImpl): unknown {
    if (!this.#initialized) return undefined
    let first: unknown
    for (const node of this.nodes.values()) {
      if (node.processor.close === undefined) continue
      ctx.currentNode = node
      try {
        node.processor.close()
      } catch (error) {
        first ??= error
      }
    }
    return first
  }
}
