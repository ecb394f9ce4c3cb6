import { noopProcessorMetrics } from '../../src/instrumentation/business-metrics.ts'
import type { Cancellable, ProcessorContext } from '../../src/processors/processor.ts'
import type { Record } from '../../src/processors/record.ts'
import type { StateStore } from '../../src/state/store.ts'

/** A ProcessorContext that records what is forwarded, with stores from a map. */
export class FakeContext<K, V> implements ProcessorContext<K, V> {
  readonly applicationId = 'app'
  readonly taskId = '0_0'
  readonly metrics = noopProcessorMetrics
  readonly forwarded: { record: Record<K, V>; childName: string | undefined }[] = []
  readonly stores = new Map<string, StateStore>()
  currentNode: unknown = 'self'

  forward(record: Record<K, V>, childName?: string): void {
    this.forwarded.push({ record, childName })
  }

  getStateStore<S extends StateStore>(name: string): S {
    const store = this.stores.get(name)
    if (store === undefined) throw new Error(`no store ${name}`)
    return store as S
  }

  schedule(): Cancellable {
    return { cancel() {} }
  }

  recordMetadata(): undefined {
    return undefined
  }

  commit(): void {}

  currentStreamTimeMs(): number {
    return 0
  }

  currentSystemTimeMs(): number {
    return 0
  }

  /** Forwarded records as [key, value, timestamp], consuming them. */
  take(): [K, V, number][] {
    return this.forwarded.splice(0).map(({ record }) => [record.key, record.value, record.timestamp])
  }
}

/** A map-backed timestamped store, enough for processor tests. */
export function mapStore<K, V>(name: string): StateStore & { data: Map<K, V>; get(key: K): V | undefined; put(key: K, value: V | null): void } {
  const data = new Map<K, V>()
  return {
    name,
    persistent: false,
    data,
    init() {},
    flush() {},
    close() {},
    isOpen: () => true,
    get: (key: K) => data.get(key),
    put: (key: K, value: V | null) => {
      if (value === null) data.delete(key)
      else data.set(key, value)
    },
  }
}
