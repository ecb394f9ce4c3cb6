import type { Processor, ProcessorContext } from '../../src/processors/processor.ts'
import type { Record } from '../../src/processors/record.ts'
import type { StateStore, StoreBuilder } from '../../src/state/store.ts'

/** A builder that never builds: compile and describe only read names and logging flags. */
export function fakeStoreBuilder(name: string, loggingEnabled = true, logConfig: { [key: string]: string } = {}): StoreBuilder {
  const builder: StoreBuilder = {
    name,
    loggingEnabled,
    logConfig,
    cachingEnabled: false,
    withLoggingEnabled: (config = {}) => fakeStoreBuilder(name, true, { ...config }),
    withLoggingDisabled: () => fakeStoreBuilder(name, false),
    withCachingEnabled: () => builder,
    withCachingDisabled: () => builder,
    build: (): StateStore => {
      throw new Error('fake store builder')
    },
  }
  return builder
}

/** Forwards every record unchanged. */
export const passThrough = (): Processor<unknown, unknown, unknown, unknown> => {
  let ctx: ProcessorContext<unknown, unknown>
  return {
    init(context) {
      ctx = context
    },
    process(record: Record<unknown, unknown>) {
      ctx.forward(record)
    },
  }
}
