/**
 * Errors every client adapter raises for the same Kafka conditions, so the runtime can react to
 * the condition (e.g. a fenced producer means "this task migrated: close it as a zombie") without
 * knowing which client produced it.
 */

export class KafkaClientError extends Error {
  override readonly name: string = 'KafkaClientError'
  /** True when retrying the same call may succeed. */
  readonly retriable: boolean
  constructor(message: string, options?: { cause?: unknown; retriable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.retriable = options?.retriable ?? false
  }
}

/**
 * Another producer with the same transactional id has started (or the transaction timed out), so
 * this one is a zombie: every later call throws this. Kafka's `ProducerFencedException`.
 */
export class ProducerFencedError extends KafkaClientError {
  override readonly name = 'ProducerFencedError'
}

/**
 * An offset commit from a member the group no longer recognises (it was evicted, or a newer
 * generation exists): its partitions may already be owned by someone else. Kafka's
 * `CommitFailedException`.
 */
export class CommitFailedError extends KafkaClientError {
  override readonly name = 'CommitFailedError'
}

/** A transactional call made in the wrong state (send outside a transaction, commit with none open). */
export class InvalidTransactionStateError extends KafkaClientError {
  override readonly name = 'InvalidTransactionStateError'
}

export class UnknownTopicOrPartitionError extends KafkaClientError {
  override readonly name = 'UnknownTopicOrPartitionError'
}

/** A call on a consumer, producer or reader after `close()`. */
export class ClientClosedError extends KafkaClientError {
  override readonly name = 'ClientClosedError'
}

/**
 * `commitTransaction` failed in a way that leaves its outcome unknown (a timeout, a lost
 * connection, exhausted retries): the transaction may or may not have committed. Never abort
 * after this; discard the producer and create a new one with the same transactional id, whose
 * initialisation settles the old transaction (DESIGN.md, decision 6).
 */
export class TransactionCommitAmbiguousError extends KafkaClientError {
  override readonly name = 'TransactionCommitAmbiguousError'
}
