import { restoreChannel, type RestoreMessage } from './channels.ts'
import type { StreamsMetrics } from './streams-metrics.ts'

interface TopicPartition {
  readonly topic: string
  readonly partition: number
}

/** Kafka Streams' `StateRestoreListener`, as src/runtime/changelog-restorer.ts calls it. */
export interface RestoreListener {
  onRestoreStart?(partition: TopicPartition, storeName: string, startOffset: number, endOffset: number): void
  onBatchRestored?(partition: TopicPartition, storeName: string, batchEndOffset: number, numRestored: number): void
  onRestoreEnd?(partition: TopicPartition, storeName: string, totalRestored: number): void
}

/**
 * The restore listener the runtime installs: the user's own listener, plus restore progress and
 * rate for the metrics and the `kstreams:restore` channel (called once per restored batch, so
 * always installed: a channel subscriber may come at any time).
 */
export function observeRestore(applicationId: string, user: RestoreListener | undefined, metrics: StreamsMetrics | undefined): RestoreListener {
  const ends = new Map<string, number>()
  const publish = (message: RestoreMessage): void => {
    if (restoreChannel.hasSubscribers) restoreChannel.publish(message)
  }
  return {
    onRestoreStart(tp, store, startOffset, endOffset) {
      ends.set(`${store}\u0000${tp.topic}\u0000${tp.partition}`, endOffset)
      metrics?.restoreStarted(store, tp.topic, tp.partition, startOffset, endOffset)
      publish({ applicationId, phase: 'start', store, topic: tp.topic, partition: tp.partition, records: endOffset - startOffset })
      user?.onRestoreStart?.(tp, store, startOffset, endOffset)
    },
    onBatchRestored(tp, store, batchEndOffset, numRestored) {
      metrics?.restoreBatch(store, tp.topic, tp.partition, batchEndOffset, ends.get(`${store}\u0000${tp.topic}\u0000${tp.partition}`), numRestored)
      publish({ applicationId, phase: 'batch', store, topic: tp.topic, partition: tp.partition, records: numRestored })
      user?.onBatchRestored?.(tp, store, batchEndOffset, numRestored)
    },
    onRestoreEnd(tp, store, totalRestored) {
      ends.delete(`${store}\u0000${tp.topic}\u0000${tp.partition}`)
      metrics?.restoreEnded(store, tp.topic, tp.partition)
      publish({ applicationId, phase: 'end', store, topic: tp.topic, partition: tp.partition, records: totalRestored })
      user?.onRestoreEnd?.(tp, store, totalRestored)
    },
  }
}
