import { pino } from 'pino'
import type { Logger } from './logger.ts'
import { PINO_REDACT_PATHS, REDACTED } from './redact.ts'

/**
 * The default logger of a `KafkaStreams` app: pino at `KSTREAMS_LOG_LEVEL` (default `info`), with
 * credentials redacted wherever a config object is logged.
 */
export function defaultLogger(bindings: { readonly applicationId: string }): Logger {
  return pino({
    level: process.env.KSTREAMS_LOG_LEVEL ?? 'info',
    base: { applicationId: bindings.applicationId },
    redact: { paths: PINO_REDACT_PATHS, censor: REDACTED },
  })
}
