import type { KTableValueGetterSupplier } from '../../processors/ktable-value-getter.ts'
import type { Serde } from '../../serdes/serde.ts'
import type { InternalStreamsBuilder } from './internal-builder.ts'

/**
 * The DSL objects' shared state sits behind this symbol, which src/index.ts does not export: DSL
 * classes read each other's (a merge needs the other stream's node), users see only methods.
 */
export const INTERNALS: unique symbol = Symbol('kstreams.dsl.internals')

export interface StreamInternals {
  readonly builder: InternalStreamsBuilder
  /** The processor node records of this stream leave from. */
  readonly name: string
  /** Serdes known to fit the data (given, carried or default); undefined when unknown. */
  readonly keySerde: Serde<any> | undefined
  readonly valueSerde: Serde<any> | undefined
  /** True after a key-changing operator: a stateful operator must repartition first. */
  readonly repartitionRequired: boolean
}

export interface TableInternals {
  readonly builder: InternalStreamsBuilder
  readonly name: string
  readonly keySerde: Serde<any> | undefined
  readonly valueSerde: Serde<any> | undefined
  /** The store holding this table's rows, when it is materialized. */
  readonly storeName: string | undefined
  /** Makes this table's updates carry old values (and its parents', when it needs theirs). */
  enableSendingOldValues(): void
  /**
   * How a processor reads this table's current rows (joins). Absent: the rows are read from
   * `storeName`. A table that is not stored computes them over its parent's getter, or is
   * materialized when first asked (see `valueGetterSupplierOf` in join-support.ts).
   */
  readonly valueGetterSupplier?: () => KTableValueGetterSupplier<any, any>
}
