import type { Admin } from '../client/port.ts'
import { defaultDeadLetterTopic } from './task/dead-letter-queue.ts'
import type { ErrorPolicy } from './task/task-config.ts'

export interface ErrorPolicies {
  readonly deserializationExceptionHandler?: ErrorPolicy | undefined
  readonly processingExceptionHandler?: ErrorPolicy | undefined
  readonly productionExceptionHandler?: ErrorPolicy | undefined
}

/**
 * The dead-letter topics the handlers can write to, as far as the configuration tells: the
 * application's `<applicationId>-dlq` when a handler is `dlq` or a function (which may answer
 * `dlq`), and each `{ handler: 'dlq', topic }`. A function answering `{ dlq: topic }` names topics
 * only it knows; those must exist.
 */
export function deadLetterTopics(applicationId: string, policies: ErrorPolicies): string[] {
  const topics = new Set<string>()
  for (const policy of [policies.deserializationExceptionHandler, policies.processingExceptionHandler, policies.productionExceptionHandler]) {
    if (policy === 'dlq' || typeof policy === 'function') topics.add(defaultDeadLetterTopic(applicationId))
    else if (typeof policy === 'object' && policy !== null) topics.add(policy.topic)
  }
  return [...topics]
}

/**
 * Creates the dead-letter topics that are missing, at start-up with the internal topics, so the
 * first dead letter does not wait on (or fail for want of) topic auto-creation. One partition: dead
 * letters are few, and one partition keeps them in the order they failed for the replay.
 */
export async function prepareDeadLetterTopics(admin: Admin, applicationId: string, policies: ErrorPolicies): Promise<string[]> {
  const topics = deadLetterTopics(applicationId, policies)
  if (topics.length === 0) return topics
  const existing = await admin.describeTopics(topics)
  const missing = topics.filter((t) => !existing.has(t))
  if (missing.length > 0) await admin.createTopics(missing.map((name) => ({ name, numPartitions: 1 })))
  return topics
}
