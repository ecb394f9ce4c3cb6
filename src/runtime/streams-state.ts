import { IllegalStateError } from './errors.ts'

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
