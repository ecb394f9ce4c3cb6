/**
 * Type-level assertions, checked by `tsc --noEmit` (these files are never run).
 * `expectType<Equal<A, B>>()` fails to compile unless A and B are the same type.
 */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false

export function expectType<T extends true>(): T | undefined {
  return undefined
}

/** The type of an expression, for `expectType<Equal<TypeOf<typeof x>, ...>>()`. */
export function typeOf<T>(_value: T): T | undefined {
  return undefined
}
