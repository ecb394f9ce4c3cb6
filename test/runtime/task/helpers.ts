import type { ConsumerRecord } from '../../../src/client/port.ts'
import type { Processor, ProcessorContext } from '../../../src/processors/processor.ts'
import type { Record } from '../../../src/processors/record.ts'
import type { KeyValueStore } from '../../../src/state/store.ts'
import { InMemoryRecordCollector } from '../../../src/runtime/task/in-memory-record-collector.ts'
import { StreamTask } from '../../../src/runtime/task/stream-task.ts'
import type { TaskConfig } from '../../../src/runtime/task/task-config.ts'
import type { Topology } from '../../../src/topology/topology.ts'

export function consumerRecord(
  topic: string,
  offset: number,
  key: string | null,
  value: string | null,
  timestamp: number,
  partition = 0,
  headers: { [key: string]: Buffer } = {},
): ConsumerRecord {
  return {
    topic,
    partition,
    offset,
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    timestamp,
    headers,
  }
}

export interface Harness {
  task: StreamTask
  collector: InMemoryRecordCollector
  clock: { now: number }
  warnings: { object: object; message: string }[]
}

/** A running task for sub-topology `index` of `topology`, partition `partition`. */
export function startTask(topology: Topology, options: Partial<TaskConfig> = {}, index = 0, partition = 0): Harness {
  const compiled = topology.compile('app')
  const collector = new InMemoryRecordCollector((topic) => (topic === 'unknown-partitions' ? undefined : 4))
  const clock = { now: 1_000 }
  const warnings: { object: object; message: string }[] = []
  const task = new StreamTask(compiled.subtopologies[index]!, partition, {
    applicationId: 'app',
    collector,
    stateDir: '/nonexistent-state-dir',
    time: { now: () => clock.now },
    logger: { warn: (object, message) => warnings.push({ object, message }) },
    ...options,
  })
  task.initialize()
  return { task, collector, clock, warnings }
}

/** A processor that records what it sees (and the context's view at that moment), then forwards. */
export function recorder(
  seen: Array<{ node: string; key: unknown; value: unknown; timestamp: number; streamTime: number }>,
  node: string,
): () => Processor<unknown, unknown, unknown, unknown> {
  return () => {
    let ctx: ProcessorContext<unknown, unknown>
    return {
      init(c) {
        ctx = c
      },
      process(r: Record<unknown, unknown>) {
        seen.push({ node, key: r.key, value: r.value, timestamp: r.timestamp, streamTime: ctx.currentStreamTimeMs() })
        ctx.forward(r)
      },
    }
  }
}

export function drainAll(task: StreamTask): number {
  let n = 0
  while (task.process()) n++
  return n
}

/** Writes to store `kv` (its key, a running total, deletes `doomed`), then throws on value `fail`. */
export function halfWriter(): Processor<string, string, never, never> {
  let store: KeyValueStore<string, number>
  return {
    init(ctx) {
      store = ctx.getStateStore('kv')
    },
    process(r) {
      store.put(r.key, (store.get(r.key) ?? 0) + 1)
      store.put('total', (store.get('total') ?? 0) + 1)
      store.delete('doomed')
      if (r.value === 'fail') throw new Error('after writing')
    },
  }
}
