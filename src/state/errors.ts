/**
 * Errors raised by state stores. Named after Kafka Streams' exceptions so users recognise them;
 * `code` is stable for programmatic handling.
 */

export const StateErrorCode = {
  STORE_NOT_OPEN: 'STORE_NOT_OPEN',
  STORE_OPEN_FAILED: 'STORE_OPEN_FAILED',
  CHECKPOINT_CORRUPTED: 'CHECKPOINT_CORRUPTED',
} as const

export type StateErrorCode = (typeof StateErrorCode)[keyof typeof StateErrorCode]

/** A store was used while closed or before `init` (Kafka's `InvalidStateStoreException`). */
export class InvalidStateStoreError extends Error {
  override readonly name = 'InvalidStateStoreError'
  readonly code: StateErrorCode
  constructor(message: string, code: StateErrorCode = StateErrorCode.STORE_NOT_OPEN, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/**
 * A `.checkpoint` file exists but cannot be read (truncated, malformed, unknown version). The
 * runtime catches it, wipes the task's state and restores from the changelogs.
 */
export class CheckpointCorruptedError extends Error {
  override readonly name = 'CheckpointCorruptedError'
  readonly code = StateErrorCode.CHECKPOINT_CORRUPTED
  readonly path: string
  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super(`Offset checkpoint file ${path} is corrupted: ${reason}`, options)
    this.path = path
  }
}
