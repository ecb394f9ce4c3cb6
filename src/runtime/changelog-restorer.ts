import type { ConsumerRecord, PartitionReader, TopicPartition } from '../client/port.ts'
import type { ChangelogRecord } from '../state/store.ts'

/** Kafka Streams' `StateRestoreListener`, for progress reporting and tests. */
export interface StateRestoreListener {
  onRestoreStart?(partition: TopicPartition, storeName: string, startOffset: number, endOffset: number): void
  onBatchRestored?(partition: TopicPartition, storeName: string, batchEndOffset: number, numRestored: number): void
  onRestoreEnd?(partition: TopicPartition, storeName: string, totalRestored: number): void
}

export interface RestorePlan {
  readonly storeName: string
  readonly topic: string
  readonly partition: number
  /** First changelog offset to apply. */
  readonly from: number
  /** The changelog's end offset when the restore was planned. */
  readonly to: number
}

interface Progress {
  readonly plan: RestorePlan
  iterator: AsyncIterator<ConsumerRecord[]> | undefined
  restored: number
  /** Offset of the last record applied, or undefined when none was. */
  lastOffset: number | undefined
  done: boolean
}

/**
 * Replays a task's changelog partitions into its stores before the task processes anything
 * (Kafka Streams' `StoreChangelogReader`). It works in steps bounded by a time budget, so the
 * stream thread keeps polling (and so stays in its group) during a long restore, and every batch
 * read yields to the event loop.
 */
export class ChangelogRestorer {
  readonly #reader: PartitionReader
  readonly #apply: (storeName: string, batch: ReadonlyArray<ChangelogRecord>) => void
  readonly #listener: StateRestoreListener | undefined
  readonly #progress: Progress[]

  constructor(
    reader: PartitionReader,
    plans: ReadonlyArray<RestorePlan>,
    apply: (storeName: string, batch: ReadonlyArray<ChangelogRecord>) => void,
    listener?: StateRestoreListener,
  ) {
    this.#reader = reader
    this.#apply = apply
    this.#listener = listener
    this.#progress = plans.map((plan) => ({ plan, iterator: undefined, restored: 0, lastOffset: undefined, done: plan.from >= plan.to }))
  }

  get done(): boolean {
    return this.#progress.every((p) => p.done)
  }

  /** Restores until finished or `budgetMs` has passed; true when every changelog is caught up. */
  async step(budgetMs: number): Promise<boolean> {
    const deadline = Date.now() + budgetMs
    for (const p of this.#progress) {
      if (p.done) continue
      const tp = { topic: p.plan.topic, partition: p.plan.partition }
      if (p.iterator === undefined) {
        this.#listener?.onRestoreStart?.(tp, p.plan.storeName, p.plan.from, p.plan.to)
        p.iterator = this.#reader.read(tp, p.plan.from, p.plan.to)[Symbol.asyncIterator]()
      }
      for (;;) {
        const next = await p.iterator.next()
        if (next.done === true) {
          p.done = true
          this.#listener?.onRestoreEnd?.(tp, p.plan.storeName, p.restored)
          break
        }
        const batch = toChangelogRecords(next.value)
        if (batch.length > 0) this.#apply(p.plan.storeName, batch)
        const last = next.value[next.value.length - 1]
        if (last !== undefined) p.lastOffset = last.offset
        p.restored += batch.length
        if (last !== undefined) this.#listener?.onBatchRestored?.(tp, p.plan.storeName, last.offset, batch.length)
        if (Date.now() >= deadline) return false
      }
      if (Date.now() >= deadline) return this.done
    }
    return true
  }

  /** Changelog `topic:partition` → offset of the last restored record, for those that restored any. */
  restoredOffsets(): Map<string, number> {
    const out = new Map<string, number>()
    for (const p of this.#progress) if (p.lastOffset !== undefined) out.set(`${p.plan.topic}:${p.plan.partition}`, p.lastOffset)
    return out
  }

  totalRestored(): number {
    let n = 0
    for (const p of this.#progress) n += p.restored
    return n
  }

  /** Stops reading early (the task is being closed). */
  async cancel(): Promise<void> {
    for (const p of this.#progress) {
      if (!p.done) await p.iterator?.return?.()
      p.done = true
    }
  }
}

/**
 * The batch's records with a key, as the stores take them. A consumer record with a key already
 * is a changelog record, so the usual batch (every record keyed) is handed over as it is: a
 * restore of millions of records allocates nothing per record here.
 */
export function toChangelogRecords(records: ReadonlyArray<ConsumerRecord>): ReadonlyArray<ChangelogRecord> {
  for (let i = 0; i < records.length; i++) if (records[i]!.key === null) return records.filter(hasKey)
  return records as ReadonlyArray<ChangelogRecord>
}

function hasKey(record: ConsumerRecord): record is ConsumerRecord & ChangelogRecord {
  return record.key !== null
}
