import { pino } from 'pino'
import type { Logger } from './logger.ts'

/**
 * The default logger of a `KafkaStreams` app: pino at `KSTREAMS_LOG_LEVEL` (default `info`), with
 * credentials redacted wherever a config object is logged.
 */
export function defaultLogger(bindings: { readonly applicationId: string }): Logger {
  return pino({
    level: process.env.KSTREAMS_LOG_LEVEL ?? 'info',
    base: { app: bindings.applicationId },
    redact: {
      paths: ['*.sasl.password', '*.sasl.secretAccessKey', '*.ssl.key', '*.ssl.passphrase', 'sasl.password', 'ssl.key'],
      censor: '[redacted]',
    },
  })
}
