import type { Logger } from 'kstreams'

/** Warnings and errors on stderr, one line each; the runtime's info lines would drown the progress. */
export function consoleLogger(bindings: object = {}): Logger {
  const noop = (): void => {}
  const line = (level: string) => (obj: object, msg?: string): void => {
    const { err, ...rest } = { ...bindings, ...obj } as { err?: unknown }
    const cause = err instanceof Error ? ` (${err.name}: ${err.message})` : err !== undefined ? ` (${String(err)})` : ''
    process.stderr.write(`${level} ${msg ?? ''}${cause} ${JSON.stringify(rest)}\n`)
  }
  return { trace: noop, debug: noop, info: noop, warn: line('warn'), error: line('error'), child: (b) => consoleLogger({ ...bindings, ...b }) }
}
