import type { WindowStore } from '../state/window-store.ts'
import type { Processor, ProcessorContext } from './processor.ts'
import type { Record } from './record.ts'

/**
 * One input of a stream-stream join (Kafka's `KStreamJoinWindow`): passes each record on to the
 * join, then keeps it in this side's window store (by its timestamp), where the other side's
 * later records find it. Forwarding first means a record never meets itself. Records with a null
 * key or value could never join, so they are not kept.
 */
export class KStreamJoinWindow<K, V> implements Processor<K, V, K, V> {
  private readonly storeName: string
  private context!: ProcessorContext<K, V>
  private window!: WindowStore<K, V>

  constructor(storeName: string) {
    this.storeName = storeName
  }

  init(context: ProcessorContext<K, V>): void {
    this.context = context
    this.window = context.getStateStore<WindowStore<K, V>>(this.storeName)
  }

  process(record: Record<K, V>): void {
    this.context.forward(record)
    if (record.key === null || record.key === undefined || record.value === null || record.value === undefined) return
    this.window.put(record.key, record.value, record.timestamp)
  }
}
