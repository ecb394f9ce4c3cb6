/**
 * `kstreams/dlq`: working with an application's dead letters — replay them to their source topic
 * once the cause is fixed (also the `kstreams-dlq replay` command), and read their headers.
 * See docs/error-handling.md.
 */
export { replayDeadLetters } from './runtime/dlq-replay.ts'
export type { DeadLetter, ReplayedDeadLetter, ReplayOptions, ReplayResult } from './runtime/dlq-replay.ts'
export { DEAD_LETTER_HEADER_PREFIX, DeadLetterHeaders, defaultDeadLetterTopic, readDeadLetterHeaders, withoutDeadLetterHeaders } from './runtime/task/dead-letter-queue.ts'
export type { DeadLetterInfo } from './runtime/task/dead-letter-queue.ts'
