import type { Logger } from '../instrumentation/logger.ts'
import type { StreamsMetrics } from '../instrumentation/streams-metrics.ts'
import { IllegalStateError } from './errors.ts'
import type { StreamThreadListener } from './stream-thread.ts'

/** The states of a `KafkaStreams` instance, with Kafka Streams' names (DESIGN.md, decision 5). */
export type StreamsState =
  | 'CREATED'
  | 'REBALANCING'
  | 'RUNNING'
  | 'PENDING_SHUTDOWN'
  | 'NOT_RUNNING'
  | 'PENDING_ERROR'
  | 'ERROR'

/** Kafka Streams' `KafkaStreams.State` transition table. */
const NEXT: { readonly [S in StreamsState]: ReadonlyArray<StreamsState> } = {
  CREATED: ['REBALANCING', 'PENDING_SHUTDOWN', 'PENDING_ERROR'],
  REBALANCING: ['RUNNING', 'PENDING_SHUTDOWN', 'PENDING_ERROR'],
  RUNNING: ['REBALANCING', 'PENDING_SHUTDOWN', 'PENDING_ERROR'],
  PENDING_SHUTDOWN: ['NOT_RUNNING'],
  NOT_RUNNING: [],
  PENDING_ERROR: ['ERROR'],
  ERROR: [],
}

export function isValidTransition(from: StreamsState, to: StreamsState): boolean {
  return NEXT[from].includes(to)
}

export function checkTransition(from: StreamsState, to: StreamsState): void {
  if (!isValidTransition(from, to)) throw new IllegalStateError(`Cannot go from state ${from} to ${to}`)
}

/** States in which the instance may still process. */
export function isRunningOrRebalancing(state: StreamsState): boolean {
  return state === 'RUNNING' || state === 'REBALANCING'
}

/**
 * The state of one instance (Kafka Streams' `KafkaStreams.State` and its state listener): every
 * transition is checked against the table, mirrored in the state metric, logged and announced.
 */
export class StreamsStateMachine {
  #state: StreamsState = 'CREATED'
  readonly #logger: Logger
  readonly #metrics: StreamsMetrics | undefined
  readonly #announce: (next: StreamsState, previous: StreamsState) => void

  constructor(logger: Logger, metrics: StreamsMetrics | undefined, announce: (next: StreamsState, previous: StreamsState) => void) {
    this.#logger = logger
    this.#metrics = metrics
    this.#announce = announce
  }

  get current(): StreamsState {
    return this.#state
  }

  /**
   * How the stream thread's rebalances move the instance (Kafka Streams' `StreamStateListener`):
   * RUNNING → REBALANCING when partitions are revoked, back to RUNNING once every task runs.
   */
  streamThreadListener(): StreamThreadListener {
    return {
      onRebalance: () => {
        if (this.#state === 'RUNNING') this.transition('REBALANCING')
      },
      onRunning: () => {
        if (this.#state === 'REBALANCING') this.transition('RUNNING')
      },
    }
  }

  /** Moves to `next` (a no-op when already there); throws on a transition the table does not allow. */
  transition(next: StreamsState): void {
    const previous = this.#state
    if (previous === next) return
    checkTransition(previous, next)
    this.#state = next
    if (this.#metrics !== undefined) {
      this.#metrics.state = next
      // A stopped instance's series leave the registry (another instance may take its place).
      if (next === 'NOT_RUNNING' || next === 'ERROR') this.#metrics.close()
    }
    this.#logger.info({ state: next, previous }, `State transition from ${previous} to ${next}`)
    try {
      this.#announce(next, previous)
    } catch (error) {
      // A listener's bug must not break the state machine of the instance.
      this.#logger.error({ err: error }, 'A stateChange listener threw')
    }
  }
}
