import { channel } from 'node:diagnostics_channel'
import type { ClientHeaders, ConsumerRecord, ProducerRecord } from '../../client/port.ts'
import { DEAD_LETTER_CHANNEL, type DeadLetterMessage } from '../../instrumentation/channels.ts'

/**
 * Dead-letter records (Kafka Streams 4.2, KIP-1034): the raw key and value bytes of the record that
 * failed, its own headers, and these headers saying where and why it failed. The first six are
 * Kafka's names (`ExceptionHandlerUtils`), so tooling written for Java apps reads ours; the node
 * and task headers follow the same family.
 */
export const DeadLetterHeaders = {
  /** The error's class name, e.g. `SerializationError`. */
  exception: '__streams.errors.exception',
  message: '__streams.errors.message',
  stacktrace: '__streams.errors.stacktrace',
  /** Where the failed record was consumed; absent for a failure in a punctuator. */
  topic: '__streams.errors.topic',
  partition: '__streams.errors.partition',
  offset: '__streams.errors.offset',
  node: '__streams.errors.processor.node.id',
  taskId: '__streams.errors.task.id',
} as const

export const DEAD_LETTER_HEADER_PREFIX = '__streams.errors.'

/** The default dead-letter topic of an application. */
export const defaultDeadLetterTopic = (applicationId: string): string => `${applicationId}-dlq`

export { DEAD_LETTER_CHANNEL }
export type { DeadLetterMessage }
const deadLetters = channel(DEAD_LETTER_CHANNEL)

export function publishDeadLetter(message: DeadLetterMessage): void {
  if (deadLetters.hasSubscribers) deadLetters.publish(message)
}

export interface DeadLetterOrigin {
  readonly taskId: string
  readonly node: string
  readonly topic: string | undefined
  readonly partition: number | undefined
  readonly offset: number | undefined
}

/** A stack trace can be long (deep recursion); a header that big would make the DLQ record the next failure. */
const MAX_STACK_CHARS = 16 * 1024

/**
 * The dead-letter record for a failure. `raw` is the consumed record (undefined in a punctuator,
 * which then gives null key and value, as Kafka does); `timestamp` is used when there is none.
 */
export function deadLetterRecord(
  dlqTopic: string,
  origin: DeadLetterOrigin,
  raw: ConsumerRecord | undefined,
  error: unknown,
  timestamp: number,
): ProducerRecord {
  const headers: { [key: string]: Buffer } = {}
  if (raw !== undefined) for (const name in raw.headers) headers[name] = raw.headers[name]!
  const put = (name: string, value: string): void => {
    headers[name] = Buffer.from(value, 'utf8')
  }
  put(DeadLetterHeaders.exception, errorClass(error))
  put(DeadLetterHeaders.message, error instanceof Error ? error.message : String(error))
  put(DeadLetterHeaders.stacktrace, stackOf(error))
  if (origin.topic !== undefined) {
    put(DeadLetterHeaders.topic, origin.topic)
    put(DeadLetterHeaders.partition, String(origin.partition))
    put(DeadLetterHeaders.offset, String(origin.offset))
  } else {
    // A punctuator's failure has no source record: stale headers from a replayed record must not say otherwise.
    delete headers[DeadLetterHeaders.topic]
    delete headers[DeadLetterHeaders.partition]
    delete headers[DeadLetterHeaders.offset]
  }
  put(DeadLetterHeaders.node, origin.node)
  put(DeadLetterHeaders.taskId, origin.taskId)
  return { topic: dlqTopic, key: raw?.key ?? null, value: raw?.value ?? null, timestamp: raw?.timestamp ?? timestamp, headers }
}

/** What the headers of a dead-letter record say about it (the replay reads these). */
export interface DeadLetterInfo {
  readonly topic: string | undefined
  readonly partition: number | undefined
  readonly offset: number | undefined
  readonly exception: string | undefined
  readonly message: string | undefined
  readonly node: string | undefined
  readonly taskId: string | undefined
}

export function readDeadLetterHeaders(headers: ClientHeaders): DeadLetterInfo {
  const text = (name: string): string | undefined => headers[name]?.toString('utf8')
  const int = (name: string): number | undefined => {
    const v = text(name)
    return v === undefined || !/^-?\d+$/.test(v) ? undefined : Number(v)
  }
  return {
    topic: text(DeadLetterHeaders.topic),
    partition: int(DeadLetterHeaders.partition),
    offset: int(DeadLetterHeaders.offset),
    exception: text(DeadLetterHeaders.exception),
    message: text(DeadLetterHeaders.message),
    node: text(DeadLetterHeaders.node),
    taskId: text(DeadLetterHeaders.taskId),
  }
}

/** The record's own headers, without the dead-letter ones (what a replay sends back). */
export function withoutDeadLetterHeaders(headers: ClientHeaders): ClientHeaders {
  const out: { [key: string]: Buffer } = {}
  for (const name in headers) if (!name.startsWith(DEAD_LETTER_HEADER_PREFIX)) out[name] = headers[name]!
  return out
}

function errorClass(error: unknown): string {
  if (error instanceof Error) return error.name && error.name !== 'Error' ? error.name : error.constructor.name
  return typeof error
}

function stackOf(error: unknown): string {
  const stack = error instanceof Error && typeof error.stack === 'string' ? error.stack : String(error)
  return stack.length > MAX_STACK_CHARS ? `${stack.slice(0, MAX_STACK_CHARS)}\n\t... (truncated)` : stack
}
