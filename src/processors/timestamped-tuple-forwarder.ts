import { isCachedStateStore } from '../state/metered-key-value-store.ts'
import type { TimestampedKeyValueStore, ValueAndTimestamp } from '../state/store.ts'
import type { Change } from './change.ts'
import type { ProcessorContext } from './processor.ts'
import { Record } from './record.ts'

/** A context that tracks the running node in a field (the task's shared context does). */
interface NodeTrackingContext {
  currentNode: unknown
}

/**
 * Forwards a table processor's updates (Kafka's `TimestampedTupleForwarder`). Without a cache
 * every update is forwarded as it happens. With a cache, forwarding waits for the cache to
 * flush (commit, or too many dirty keys): the cache then hands over each key's latest value
 * once, with the value the store held before, so a key updated a hundred times between commits
 * emits one change.
 *
 * A flush at commit runs outside this processor's `process`, so, like Kafka's
 * `TimestampedCacheFlushListener`, the listener makes this processor the context's current node
 * while it forwards (captured at `init`, when the task has set it), else the records would go to
 * the children of whichever node ran last.
 */
export class TimestampedTupleForwarder<K, V> {
  private readonly context: ProcessorContext<K, Change<V>>
  /** True when the store's cache forwards on flush. */
  readonly cached: boolean

  constructor(store: TimestampedKeyValueStore<K, V>, context: ProcessorContext<K, Change<V>>, sendOldValues: boolean) {
    this.context = context
    const tracking = 'currentNode' in context ? (context as unknown as NodeTrackingContext) : undefined
    const node = tracking?.currentNode
    this.cached = isCachedStateStore<K, ValueAndTimestamp<V>>(store)
      && store.setFlushListener((key, newValue, oldValue, timestamp) => {
        const record = new Record<K, Change<V>>(
          key,
          { newValue: newValue === null ? null : newValue.value, oldValue: sendOldValues && oldValue !== null ? oldValue.value : null },
          newValue === null ? timestamp : newValue.timestamp,
        )
        if (tracking === undefined) return context.forward(record)
        const previous = tracking.currentNode
        tracking.currentNode = node
        try {
          context.forward(record)
        } finally {
          tracking.currentNode = previous
        }
      }, sendOldValues)
  }

  maybeForward(record: Record<K, Change<V>>): void {
    if (!this.cached) this.context.forward(record)
  }
}
