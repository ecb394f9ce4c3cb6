import type { Admin } from '../client/port.ts'

/**
 * The `max.message.bytes` set on the output topics that have one. The broker refuses a batch
 * holding a record over it; knowing it before sending, a sink treats such a record as a
 * production error of that record alone (skip, dead-letter or fail, as the handler answers),
 * rather than a refused batch that fails the task. Topics without their own setting get the
 * broker's `message.max.bytes`, which `maxRequestSize` (1 MiB by default) stays below.
 */
export async function topicMessageLimits(admin: Admin, topics: Iterable<string>): Promise<Map<string, number>> {
  const limits = new Map<string, number>()
  const names = [...new Set(topics)]
  if (names.length === 0) return limits
  for (const [name, description] of await admin.describeTopics(names)) {
    const value = Number(description.config['max.message.bytes'])
    if (Number.isInteger(value) && value > 0) limits.set(name, value)
  }
  return limits
}
