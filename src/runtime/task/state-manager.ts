import { mkdirSync } from 'node:fs'
import { OffsetCheckpoint, type TopicPartitionOffset } from '../../state/checkpoint.ts'
import type { ChangelogRecord, RestoreCallback, StateStore, StateStoreContext } from '../../state/store.ts'
import { StreamsError } from './errors.ts'
import type { RecordCollector } from './record-collector.ts'

/** A store's changelog partition, as the runtime's restore needs it. */
export interface ChangelogPartition {
  readonly storeName: string
  readonly topic: string
  readonly partition: number
}

interface Registered {
  readonly store: StateStore
  readonly restore: RestoreCallback
}

/**
 * A task's stores (Kafka Streams' `ProcessorStateManager`). It is the `StateStoreContext` the
 * stores are initialised with: they register a restore callback here and log their changes
 * through it to `<applicationId>-<store>-changelog`, partition = the task's partition.
 */
export class ProcessorStateManager implements StateStoreContext {
  readonly applicationId: string
  readonly taskId: string
  readonly taskStateDir: string
  readonly partition: number
  readonly #collector: RecordCollector
  /** Store name → changelog topic, for stores with logging enabled. */
  readonly #changelogs: ReadonlyMap<string, string>
  readonly #currentTimestamp: () => number
  readonly #registered = new Map<string, Registered>()
  /** The outermost layer of each store, as built: flush and close go through caching and metering. */
  readonly #stores = new Map<string, StateStore>()
  /** Changelog topic → the next offset the local stores reflect (restored or written). */
  readonly #changelogOffsets = new Map<string, number>()

  constructor(options: {
    readonly applicationId: string
    readonly taskId: string
    readonly taskStateDir: string
    readonly partition: number
    readonly collector: RecordCollector
    readonly changelogs: ReadonlyMap<string, string>
    readonly currentTimestamp: () => number
  }) {
    this.applicationId = options.applicationId
    this.taskId = options.taskId
    this.taskStateDir = options.taskStateDir
    this.partition = options.partition
    this.#collector = options.collector
    this.#changelogs = options.changelogs
    this.#currentTimestamp = options.currentTimestamp
  }

  changelogTopic(storeName: string): string {
    return this.#changelogs.get(storeName) ?? `${this.applicationId}-${storeName}-changelog`
  }

  register(store: StateStore, restore: RestoreCallback): void {
    if (this.#registered.has(store.name)) {
      throw new StreamsError(`State store "${store.name}" is already registered in task ${this.taskId}`)
    }
    this.#registered.set(store.name, { store, restore })
  }

  logChange(storeName: string, key: Buffer, value: Buffer | null, timestamp: number): void {
    this.#collector.send({ topic: this.changelogTopic(storeName), partition: this.partition, key, value, timestamp })
  }

  currentTimestamp(): number {
    return this.#currentTimestamp()
  }

  isRegistered(storeName: string): boolean {
    return this.#registered.has(storeName)
  }

  /** Adds a built store (its outermost layer) before it is initialised. */
  addStore(store: StateStore): void {
    if (this.#stores.has(store.name)) throw new StreamsError(`Task ${this.taskId} already has a store named "${store.name}"`)
    this.#stores.set(store.name, store)
  }

  store(name: string): StateStore | undefined {
    return this.#stores.get(name)
  }

  get stores(): ReadonlyMap<string, StateStore> {
    return this.#stores
  }

  /** Opens the stores that open asynchronously (RocksDB), before `initStores()`. */
  async openStores(): Promise<void> {
    this.#ensureTaskStateDir()
    for (const store of this.#stores.values()) await store.open?.(this)
  }

  /** Initialises every store with this manager as its context; each registers its restore callback here. */
  initStores(): void {
    this.#ensureTaskStateDir()
    for (const store of this.#stores.values()) store.init(this)
  }

  /** The changelog partitions to restore from, one per logged store. */
  changelogPartitions(): ChangelogPartition[] {
    const out: ChangelogPartition[] = []
    for (const storeName of this.#stores.keys()) {
      const topic = this.#changelogs.get(storeName)
      if (topic !== undefined) out.push({ storeName, topic, partition: this.partition })
    }
    return out
  }

  /** Hands a batch of changelog records to the store's restore callback. */
  restore(storeName: string, batch: ReadonlyArray<ChangelogRecord>): void {
    const registered = this.#registered.get(storeName)
    if (!registered) throw new StreamsError(`Cannot restore "${storeName}": no such store registered in task ${this.taskId}`)
    registered.restore(batch)
  }

  /**
   * Records how far the stores reflect their changelogs (next offset), from restore progress
   * and from the collector's acknowledged writes; `checkpoint()` persists it.
   */
  updateChangelogOffsets(offsets: Iterable<TopicPartitionOffset>): void {
    for (const { topic, partition, offset } of offsets) {
      if (partition !== this.partition) continue
      const current = this.#changelogOffsets.get(topic)
      if (current === undefined || offset > current) this.#changelogOffsets.set(topic, offset)
    }
  }

  /** Offsets from the task's `.checkpoint` file: where restoring may start. */
  checkpointedOffsets(): TopicPartitionOffset[] {
    return OffsetCheckpoint.forTask(this.taskStateDir).read()
  }

  /**
   * Writes `.checkpoint` for the persistent, logged stores (in-memory stores start empty anyway).
   * Call after a commit's flush; under exactly-once the runtime writes it only on clean close.
   */
  checkpoint(): void {
    const entries: TopicPartitionOffset[] = []
    for (const [storeName, store] of this.#stores) {
      const topic = this.#changelogs.get(storeName)
      if (topic === undefined || !store.persistent) continue
      const offset = this.#changelogOffsets.get(topic)
      if (offset !== undefined) entries.push({ topic, partition: this.partition, offset })
    }
    if (entries.length > 0) OffsetCheckpoint.forTask(this.taskStateDir).write(entries)
  }

  deleteCheckpoint(): void {
    OffsetCheckpoint.forTask(this.taskStateDir).delete()
  }

  flush(): void {
    for (const store of this.#stores.values()) store.flush()
  }

  /** Closes every store; the first error is thrown after all were attempted. */
  close(): void {
    let first: unknown
    for (const store of this.#stores.values()) {
      try {
        if (store.isOpen()) store.close()
      } catch (error) {
        first ??= error
      }
    }
    if (first !== undefined) throw first
  }

  /** Only persistent stores write files: a task of in-memory stores leaves no directory behind. */
  #ensureTaskStateDir(): void {
    for (const store of this.#stores.values()) {
      if (store.persistent) {
        mkdirSync(this.taskStateDir, { recursive: true })
        return
      }
    }
  }
}
