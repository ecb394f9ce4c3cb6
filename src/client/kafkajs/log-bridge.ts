import type { logCreator, LogEntry } from 'kafkajs'
import type { Logger } from '../../instrumentation/logger.ts'
import { redactSecrets } from '../../instrumentation/redact.ts'

/** kafkajs's numeric levels (its `logLevel` enum), named here so no enum value is imported. */
export const KAFKAJS_LEVELS = { nothing: 0, error: 1, warn: 2, info: 4, debug: 5 } as const
export type KafkaJsLogLevel = keyof typeof KAFKAJS_LEVELS

/** The end of kafkajs's text for CONCURRENT_TRANSACTIONS (kafkajs 2.2.4 is its last release). */
const CONCURRENT_TRANSACTIONS = 'another concurrent operation on the same transaction was ongoing'

/**
 * kafkajs warns on every rebalance and logs every error answer; neither is a problem by itself.
 * Nor is the CONCURRENT_TRANSACTIONS its producer logs at error for each retried send: a
 * transaction's first send after a commit meets it until the previous transaction's markers are
 * written, and the producer retries it shortly (producer.ts); a send that gives up still fails.
 */
function routine(namespace: string, message: string): boolean {
  return (
    (namespace === 'Connection' && message.startsWith('Response ')) ||
    message === 'The group is rebalancing, re-joining' ||
    (namespace === 'Producer' && message.endsWith(CONCURRENT_TRANSACTIONS))
  )
}

/**
 * Routes kafkajs's log lines into our Logger, one child per kafkajs namespace
 * (`{ component: 'kafkajs', namespace: 'Consumer' }`), keeping kafkajs's structured fields.
 * kafkajs's info lines (every join, pause and resume) go to debug: the runtime reports those
 * events itself, at the level it chooses. So do the error lines its connections write for every
 * error answer (e.g. REBALANCE_IN_PROGRESS on each rebalance): the code that sent the request
 * handles the answer or reports it.
 */
export function bridgeLogs(logger: Logger): logCreator {
  const root = logger.child({ component: 'kafkajs' })
  const children = new Map<string, Logger>()
  const forNamespace = (namespace: string): Logger => {
    let child = children.get(namespace)
    if (!child) {
      child = namespace === '' ? root : root.child({ namespace })
      children.set(namespace, child)
    }
    return child
  }
  return () =>
    ({ namespace, level, log }: LogEntry): void => {
      const { message, timestamp: _timestamp, logger: _logger, ...logged } = log
      // kafkajs logs request and broker details; nothing there should be a credential, but a
      // line is rare enough to make sure.
      const fields = redactSecrets(logged) as object
      const target = forNamespace(namespace)
      // kafkajs logs from inside its requests: a logger that throws (a field it cannot
      // serialize) must not fail the request it was describing.
      try {
        if (routine(namespace, message)) target.debug(fields, message)
        else if (level === KAFKAJS_LEVELS.error) target.error(fields, message)
        else if (level === KAFKAJS_LEVELS.warn) target.warn(fields, message)
        else target.debug(fields, message)
      } catch {
        // nothing sensible to do with a log line the logger refused
      }
    }
}
