import {
  CommitFailedError,
  KafkaClientError,
  ProducerFencedError,
  UnknownTopicOrPartitionError,
} from '../errors.ts'

/**
 * kafkajs wraps protocol errors in retry errors (`KafkaJSNonRetriableError`,
 * `KafkaJSNumberOfRetriesExceeded`) whose `cause` holds the broker's answer; these helpers look
 * through the chain so the port's error classes name the Kafka condition, not the wrapper.
 */

interface KafkaJsErrorShape {
  readonly name?: string
  readonly message?: string
  readonly type?: string
  readonly code?: number
  readonly retriable?: boolean
  readonly cause?: unknown
}

function* chain(error: unknown): Generator<KafkaJsErrorShape> {
  let current: unknown = error
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    yield current as KafkaJsErrorShape
    const next = (current as KafkaJsErrorShape).cause
    if (next === current) return
    current = next
  }
}

/** The Kafka protocol error type (e.g. `REBALANCE_IN_PROGRESS`) anywhere in the cause chain. */
export function protocolErrorType(error: unknown): string | undefined {
  for (const e of chain(error)) if (typeof e.type === 'string') return e.type
  return undefined
}

const FENCED = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED'])
const GROUP_MEMBERSHIP_LOST = new Set(['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS', 'FENCED_INSTANCE_ID'])

/** A newer producer with the same transactional id exists (or the broker expired this one's transaction). */
export function isFenced(error: unknown): boolean {
  for (const e of chain(error)) {
    if (e.type !== undefined && FENCED.has(e.type)) return true
    // PRODUCER_FENCED (90) is newer than kafkajs, which reports it as an unknown code.
    if (typeof e.message === 'string' && /Unknown error code 90\b/.test(e.message)) return true
  }
  return false
}

/** kafkajs's own test for "the group is rebalancing: rejoin". */
export function isRebalancing(error: unknown): boolean {
  const type = protocolErrorType(error)
  return type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION'
}

/**
 * kafkajs's errors for "the broker is not there right now", by name (its subclasses rename
 * themselves): a request in flight when the broker dies fails with `KafkaJSConnectionClosedError`
 * (a `KafkaJSConnectionError` subclass), a broker missing from the metadata during a restart
 * with `KafkaJSBrokerNotFound` — kafkajs's own consumer treats both as "reconnect". kafkajs calls
 * a coordinator lookup that ran out of retries (`KafkaJSGroupCoordinatorNotFound`) and a lock
 * wait that timed out non-retriable; in Java they are COORDINATOR_NOT_AVAILABLE and a
 * TimeoutException, both retried within task.timeout.ms — as here.
 */
const UNREACHABLE = new Set([
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSRequestTimeoutError',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSLockTimeout',
])

/** A kafkajs error the adapter reports as retriable (see UNREACHABLE), whatever kafkajs calls it. */
export function isRetriableKafkaJsError(error: unknown): boolean {
  for (const e of chain(error)) {
    if (e.name !== undefined && UNREACHABLE.has(e.name)) return true
    if (e.name === 'KafkaJSProtocolError') return e.retriable === true
  }
  return false
}

function describe(error: unknown): string {
  const type = protocolErrorType(error)
  const message = error instanceof Error ? error.message : String(error)
  return type !== undefined && !message.includes(type) ? `${message} (${type})` : message
}

/** A port error for a kafkajs failure; `what` says which call failed. */
export function translateError(error: unknown, what: string): KafkaClientError {
  if (error instanceof KafkaClientError) return error
  const message = `${what}: ${describe(error)}`
  if (isFenced(error)) return new ProducerFencedError(message, { cause: error })
  const type = protocolErrorType(error)
  if (type === 'UNKNOWN_TOPIC_OR_PARTITION') return new UnknownTopicOrPartitionError(message, { cause: error, retriable: true })
  // An idempotent producer's sequence numbers out of step with the broker's (after a send cut off
  // by a broker kill): retriable with a new producer, which the runtime creates (streams-producer.ts).
  if (type === 'OUT_OF_ORDER_SEQUENCE_NUMBER' || type === 'UNKNOWN_PRODUCER_ID') return new KafkaClientError(message, { cause: error, retriable: true })
  return new KafkaClientError(message, { cause: error, retriable: isRetriableKafkaJsError(error) })
}

/** An offset commit error: losing group membership means the commit came from a zombie. */
export function translateCommitError(error: unknown, what: string): KafkaClientError {
  const type = protocolErrorType(error)
  if (type !== undefined && GROUP_MEMBERSHIP_LOST.has(type)) {
    return new CommitFailedError(`${what}: the group rebalanced or evicted this member (${type})`, { cause: error })
  }
  return translateError(error, what)
}
