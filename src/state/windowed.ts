/**
 * A window and a key in a window (Kafka Streams' `Window` and `Windowed<K>`), as plain data so
 * windowed results can be mapped, logged and compared like any other value.
 *
 * Time windows (tumbling, hopping) are `[start, end)`: `end` is exclusive. Sliding and session
 * windows are `[start, end]`: both bounds are inclusive, and a session with one record is
 * `[t, t]`. Times are epoch milliseconds.
 */
export interface Window {
  readonly start: number
  readonly end: number
}

export interface Windowed<K> {
  readonly key: K
  readonly window: Window
}

export function windowed<K>(key: K, start: number, end: number): Windowed<K> {
  return { key, window: { start, end } }
}

/** `key@[start/end]`, the form Kafka Streams' `Windowed.toString()` uses, for logs. */
export function formatWindowed(windowedKey: Windowed<unknown>): string {
  return `${String(windowedKey.key)}@[${windowedKey.window.start}/${windowedKey.window.end}]`
}
