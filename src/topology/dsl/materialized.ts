import type { Serde } from '../../serdes/serde.ts'
import { materialize } from '../../state/materialize.ts'
import type { StoreBuilder } from '../../state/store.ts'
import type { InternalStreamsBuilder } from './internal-builder.ts'
import type { StoreOptions } from './options.ts'

/** True when the options ask for a store (a table operator is then materialized). */
export function wantsStore(options: StoreOptions<any, any> | undefined): boolean {
  if (options === undefined) return false
  return options.storeName !== undefined || options.storeType !== undefined || options.logging !== undefined ||
    options.caching !== undefined || options.key !== undefined || options.value !== undefined
}

/**
 * The timestamped key-value store of a DSL operator, named by the user or generated, with serdes
 * from the options, else the known ones, else the structured serde (it is the application's own).
 */
export function timestampedStore(
  builder: InternalStreamsBuilder,
  storeName: string,
  options: StoreOptions<any, any> | undefined,
  keySerde: Serde<any> | undefined,
  valueSerde: Serde<any> | undefined,
): StoreBuilder {
  const logging = options?.logging
  return materialize(
    {
      storeName,
      keySerde: builder.internalSerde(options?.key ?? keySerde),
      valueSerde: builder.internalSerde(options?.value ?? valueSerde),
      ...(options?.storeType !== undefined ? { storeType: options.storeType } : {}),
      ...(logging !== undefined ? { logging } : {}),
      ...(options?.caching !== undefined ? { caching: options.caching } : {}),
    },
    { timestamped: true },
  )
}
