import type { Logger } from 'kstreams'

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const
const MATCH = process.env.KSTREAMS_LOG_MATCH ? new RegExp(process.env.KSTREAMS_LOG_MATCH) : undefined
type Level = (typeof LEVELS)[number]

/**
 * One line per entry on stderr, from `KSTREAMS_LOG_LEVEL` up (default `warn`: the runtime's info
 * lines would drown the progress; `info` or `debug` to follow rebalances and commits).
 * `KSTREAMS_LOG_MATCH` (a regular expression) keeps only the info and debug lines whose message
 * matches, e.g. `Heartbeat|JoinGroup|SyncGroup` with kafkajs at debug.
 */
export function consoleLogger(bindings: object = {}, level: Level = envLevel()): Logger {
  const noop = (): void => {}
  const line = (name: Level) => LEVELS.indexOf(name) < LEVELS.indexOf(level) ? noop : (obj: object, msg?: string): void => {
    if (MATCH !== undefined && LEVELS.indexOf(name) < LEVELS.indexOf('warn') && !MATCH.test(msg ?? '')) return
    const { err, ...rest } = { ...bindings, ...obj } as { err?: unknown }
    const cause = err instanceof Error ? ` (${err.name}: ${err.message})` : err !== undefined ? ` (${String(err)})` : ''
    const at = name === 'warn' || name === 'error' ? '' : `${new Date().toISOString().slice(11, 23)} `
    process.stderr.write(`${at}${name} ${msg ?? ''}${cause} ${fields(rest)}\n`)
  }
  return { trace: line('trace'), debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error'), child: (b) => consoleLogger({ ...bindings, ...b }, level) }
}

/** kafkajs's debug lines carry BigInts (offsets, producer ids), which JSON.stringify refuses. */
function fields(obj: object): string {
  try {
    return JSON.stringify(obj, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))
  } catch (error) {
    return `(fields not printable: ${(error as Error).message})`
  }
}

function envLevel(): Level {
  const wanted = process.env.KSTREAMS_LOG_LEVEL as Level | undefined
  return wanted !== undefined && LEVELS.includes(wanted) ? wanted : 'warn'
}
