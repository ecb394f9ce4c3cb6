import type { Serde } from './serde.ts'

/**
 * Serdes of fixed-width numbers (long, integer, double) can also write and read their bytes in
 * place, at an offset inside a larger buffer. A serde that wraps them in a bigger layout — the
 * timestamped value of a DSL store, `timestamp + value` — then allocates one buffer instead of
 * two and reads without making a sub-view: on an aggregation that is two of the few `Buffer`
 * objects a record costs. Library-internal: a symbol-keyed member outside the `Serde` contract;
 * serdes without it (every custom one) take the general path, with the same bytes.
 */
export const IN_PLACE: unique symbol = Symbol('kstreams.serde.inPlace')

export interface InPlaceCodec<T> {
  /** Bytes per value. */
  readonly size: number
  /** Validates as `serialize` does (same errors), then writes `size` bytes at `offset`. */
  write(topic: string, value: T, target: Buffer, offset: number): void
  /** Reads the `size` bytes at `offset` (the caller checked the length); same errors as `deserialize`. */
  read(topic: string, source: Buffer, offset: number): T
}

export function inPlaceCodec<T>(serde: Serde<T>): InPlaceCodec<T> | undefined {
  return (serde as Serde<T> & { readonly [IN_PLACE]?: InPlaceCodec<T> })[IN_PLACE]
}
