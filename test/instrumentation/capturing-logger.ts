import type { Logger } from '../../src/instrumentation/logger.ts'

export interface CapturedLine {
  readonly level: string
  readonly bindings: { readonly [key: string]: unknown }
  readonly obj: object
  readonly msg: string | undefined
}

/** A pino-compatible logger keeping every line with its child bindings (errors kept with message and stack). */
export function capturingLogger(): { logger: Logger; lines: CapturedLine[]; text(): string } {
  const lines: CapturedLine[] = []
  const make = (bindings: { readonly [key: string]: unknown }): Logger => {
    const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, bindings, obj, msg })
    return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (b) => make({ ...bindings, ...b }) }
  }
  const text = () =>
    JSON.stringify(lines, (_k, v: unknown) => (v instanceof Error ? { name: v.name, message: v.message, stack: v.stack, cause: v.cause } : typeof v === 'bigint' ? String(v) : v))
  return { logger: make({}), lines, text }
}
