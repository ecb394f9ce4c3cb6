/**
 * The logging port: the subset of pino's API the library calls, so any pino-compatible logger
 * (pino itself, a pino child, or a test double) can be passed in. The library never logs record
 * values at info level: keys and values may carry personal data.
 */
export interface Logger {
  trace(obj: object, msg?: string): void
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
  /** A logger whose lines carry `bindings` (e.g. `{ component: 'task', taskId: '0_1' }`). */
  child(bindings: object): Logger
}

const noop = (): void => {}

/** Discards everything; the default when the user passes no logger to a test driver. */
export const silentLogger: Logger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
}
