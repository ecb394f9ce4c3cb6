import type { StateStore, StoreBuilder } from '../../state/store.ts'
import type { InternalStreamsBuilder } from './internal-builder.ts'

/**
 * Connects a custom processor to its stores: names of stores added with
 * `StreamsBuilder.addStateStore()`, or store builders, which are added on first use.
 */
export function connectStores(
  builder: InternalStreamsBuilder,
  processorName: string,
  stores: ReadonlyArray<string | StoreBuilder<StateStore>> | undefined,
): void {
  if (stores === undefined) return
  for (const store of stores) {
    if (typeof store === 'string') {
      if (!builder.topology.stores.has(store)) {
        throw new TypeError(`Processor "${processorName}" uses state store "${store}", which is not added: call builder.addStateStore(storeBuilder) first, or pass the StoreBuilder in { stores }`)
      }
      builder.topology.connectProcessorAndStateStores(processorName, store)
    } else if (builder.topology.stores.get(store.name)?.builder === store) {
      builder.topology.connectProcessorAndStateStores(processorName, store.name)
    } else {
      builder.topology.addStateStore(store, processorName)
    }
  }
}
