import { StreamsError } from './task/errors.ts'

/**
 * Errors of the application runtime (start-up, rebalances, commits), as opposed to the task
 * engine's per-record errors in `task/errors.ts`.
 */

/** Source topics the topology reads do not exist (Kafka Streams' `MissingSourceTopicException`). */
export class MissingSourceTopicError extends StreamsError {
  override name = 'MissingSourceTopicError'
  readonly topics: ReadonlyArray<string>
  constructor(applicationId: string, topics: ReadonlyArray<string>) {
    super(`Missing source topics for application "${applicationId}": ${topics.join(', ')} (create them before starting the app)`)
    this.topics = topics
  }
}

/**
 * Topics that must be co-partitioned (a join's inputs) have different partition counts, or an
 * existing internal topic has the wrong count (Kafka Streams' `TopologyException` from its
 * `CopartitionedTopicsEnforcer` and `InternalTopicManager`).
 */
export class TopicLayoutError extends StreamsError {
  override name = 'TopicLayoutError'
}

/** The app was used in a state that does not allow the call (Kafka's `IllegalStateException`). */
export class IllegalStateError extends StreamsError {
  override name = 'IllegalStateError'
}
