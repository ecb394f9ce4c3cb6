import type { Admin, KafkaClient, PartitionReader, TopicPartition } from '../client/port.ts'
import { partitionKey } from '../client/port.ts'
import type { Logger } from '../instrumentation/logger.ts'
import type { StateStore } from '../state/store.ts'
import type { CompiledGlobalStore } from '../topology/compile.ts'
import { loadCheckpoint, writeCheckpoint } from './state-directory.ts'
import { StreamsError } from './task/errors.ts'
import { GlobalStateTask } from './task/global-state-task.ts'
import type { RecordCollector } from './task/record-collector.ts'
import type { TaskConfig } from './task/task-config.ts'

/** Global processors only write their store; anything else sending output is a bug. */
const NO_OUTPUT: RecordCollector = {
  send() {
    throw new StreamsError('Global store processors cannot produce records')
  },
  partitionsFor: () => undefined,
  flush() {},
}

export interface GlobalStreamThreadOptions {
  readonly client: KafkaClient
  readonly admin: Admin
  readonly globals: ReadonlyArray<CompiledGlobalStore>
  readonly taskConfig: Omit<TaskConfig, 'applicationId' | 'collector' | 'stateDir'>
  readonly applicationId: string
  readonly stateDir: string
  readonly readCommitted: boolean
  readonly pollMs: number
  readonly logger: Logger
  readonly onError: (error: unknown) => void
}

/**
 * Keeps the instance's global stores (Kafka Streams' `GlobalStreamThread`): on start it reads
 * every partition of the global topics to the end before any task processes (so joins against a
 * global table see it whole), then keeps reading new records every `pollMs`. Records go through
 * the store's processor, which is the only writer. Persistent global stores resume from their
 * checkpoint.
 */
export class GlobalStreamThread {
  readonly #options: GlobalStreamThreadOptions
  #task: GlobalStateTask | undefined
  #reader: PartitionReader | undefined
  readonly #positions = new Map<string, number>()
  #partitions: TopicPartition[] = []
  #stopping = false
  #loop: Promise<void> | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  #wake: (() => void) | undefined

  constructor(options: GlobalStreamThreadOptions) {
    this.#options = options
  }

  get stores(): ReadonlyMap<string, StateStore> {
    return this.#task?.stores ?? new Map()
  }

  store(name: string): StateStore | undefined {
    return this.#task?.stores.get(name)
  }

  async start(): Promise<void> {
    const o = this.#options
    const task = new GlobalStateTask(o.globals, { ...o.taskConfig, applicationId: o.applicationId, stateDir: o.stateDir, collector: NO_OUTPUT })
    this.#task = task
    const checkpoint = loadCheckpoint(task.taskStateDir, false, o.logger)
    await task.openStores()
    task.initializeStores()
    await task.prepareSerdes()
    task.initializeProcessors()
    const described = await o.admin.describeTopics(task.topics())
    for (const topic of task.topics()) {
      const n = described.get(topic)?.numPartitions ?? 0
      const storeName = o.globals.find((g) => g.topic === topic)!.storeName
      const persistent = task.stores.get(storeName)?.persistent === true
      for (let p = 0; p < n; p++) {
        this.#partitions.push({ topic, partition: p })
        const last = persistent ? checkpoint.get(partitionKey(topic, p)) : undefined
        this.#positions.set(partitionKey(topic, p), last === undefined ? 0 : last + 1)
      }
    }
    this.#reader = o.client.partitionReader({ isolationLevel: o.readCommitted ? 'read_committed' : 'read_uncommitted' })
    await this.#catchUp()
    this.#loop = this.#run()
  }

  async close(): Promise<void> {
    this.#stopping = true
    clearTimeout(this.#timer)
    this.#wake?.()
    await this.#loop
    const task = this.#task
    if (!task) return
    task.flush()
    writeCheckpoint(task.taskStateDir, this.#lastOffsets())
    task.close()
    await this.#reader?.close()
  }

  crash(): void {
    this.#stopping = true
    clearTimeout(this.#timer)
    this.#wake?.()
    try {
      this.#task?.close()
    } catch {
      // a dead process does not report errors
    }
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      await new Promise<void>((resolve) => {
        this.#wake = resolve
        this.#timer = setTimeout(resolve, this.#options.pollMs)
      })
      if (this.#stopping) return
      try {
        await this.#catchUp()
      } catch (error) {
        this.#stopping = true
        this.#options.onError(error)
        return
      }
    }
  }

  async #catchUp(): Promise<void> {
    const task = this.#task!
    const ends = await this.#options.admin.endOffsets(this.#partitions)
    for (const tp of this.#partitions) {
      const key = partitionKey(tp.topic, tp.partition)
      const from = this.#positions.get(key) ?? 0
      const end = ends.get(key) ?? 0
      if (from >= end) continue
      for await (const batch of this.#reader!.read(tp, from, end)) {
        if (this.#stopping) return
        const prepared = task.prepareRecords(batch)
        if (prepared !== undefined) await prepared
        for (const record of batch) {
          task.update(record)
          this.#positions.set(key, record.offset + 1)
        }
      }
    }
  }

  #lastOffsets(): Map<string, number> {
    const out = new Map<string, number>()
    for (const [key, position] of this.#positions) if (position > 0) out.set(key, position - 1)
    return out
  }
}
