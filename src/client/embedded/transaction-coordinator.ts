import { InvalidTransactionStateError, ProducerFencedError } from '../errors.ts'
import type { TopicPartitionOffset } from '../port.ts'
import type { PartitionLog } from './partition-log.ts'

interface OpenTransaction {
  readonly partitions: Set<PartitionLog>
  readonly offsets: Array<{ readonly groupId: string; readonly offsets: ReadonlyArray<TopicPartitionOffset> }>
  readonly timer: ReturnType<typeof setTimeout>
}

interface TransactionalState {
  epoch: number
  pid: number
  open: OpenTransaction | undefined
}

export interface ProducerSession {
  readonly transactionalId: string
  readonly pid: number
  readonly epoch: number
}

export interface TransactionEnvironment {
  readonly transactionTimeoutMs: number
  storeOffsets(groupId: string, offsets: ReadonlyArray<TopicPartitionOffset>): void
  notify(): void
}

/**
 * The embedded broker's transaction coordinator: one state per transactional id. Starting a
 * producer with an id bumps its epoch, which fences the previous producer with that id (a
 * zombie) and aborts its open transaction; a transaction older than the timeout is aborted and
 * fenced the same way, as Kafka does.
 */
export class TransactionCoordinator {
  readonly #env: TransactionEnvironment
  readonly #states = new Map<string, TransactionalState>()
  #nextPid = 1

  constructor(env: TransactionEnvironment) {
    this.#env = env
  }

  /** Kafka's `initTransactions`. */
  init(transactionalId: string): ProducerSession {
    const previous = this.#states.get(transactionalId)
    if (previous?.open) this.#end(previous, false)
    const state: TransactionalState = { epoch: (previous?.epoch ?? -1) + 1, pid: this.#nextPid++, open: undefined }
    this.#states.set(transactionalId, state)
    return { transactionalId, pid: state.pid, epoch: state.epoch }
  }

  begin(session: ProducerSession): void {
    const state = this.#current(session)
    if (state.open) throw new InvalidTransactionStateError(`Transaction of "${session.transactionalId}" is already open`)
    const timer = setTimeout(() => {
      if (this.#states.get(session.transactionalId) !== state || !state.open) return
      this.#end(state, false)
      state.epoch++ // fences the producer that let its transaction time out
    }, this.#env.transactionTimeoutMs)
    timer.unref()
    state.open = { partitions: new Set(), offsets: [], timer }
  }

  /** Records the partitions the open transaction wrote to, so commit/abort can place markers there. */
  addPartition(session: ProducerSession, log: PartitionLog): void {
    this.#open(session).partitions.add(log)
  }

  addOffsets(session: ProducerSession, groupId: string, offsets: ReadonlyArray<TopicPartitionOffset>): void {
    this.#open(session).offsets.push({ groupId, offsets: [...offsets] })
  }

  commit(session: ProducerSession): void {
    this.#end(this.#withOpen(session), true)
  }

  abort(session: ProducerSession): void {
    this.#end(this.#withOpen(session), false)
  }

  /** Throws if a newer producer with this id exists. */
  check(session: ProducerSession): void {
    this.#current(session)
  }

  inTransaction(session: ProducerSession): boolean {
    return this.#current(session).open !== undefined
  }

  #end(state: TransactionalState, commit: boolean): void {
    const open = state.open
    if (!open) return
    clearTimeout(open.timer)
    state.open = undefined
    for (const log of open.partitions) log.endTransaction(state.pid, commit)
    if (commit) for (const { groupId, offsets } of open.offsets) this.#env.storeOffsets(groupId, offsets)
    this.#env.notify()
  }

  #current(session: ProducerSession): TransactionalState {
    const state = this.#states.get(session.transactionalId)
    if (!state || state.epoch !== session.epoch || state.pid !== session.pid) {
      throw new ProducerFencedError(
        `Producer with transactional id "${session.transactionalId}" (epoch ${session.epoch}) was fenced by a newer producer with the same id, or its transaction timed out`,
      )
    }
    return state
  }

  #withOpen(session: ProducerSession): TransactionalState {
    const state = this.#current(session)
    if (!state.open) throw new InvalidTransactionStateError(`No open transaction for "${session.transactionalId}"`)
    return state
  }

  #open(session: ProducerSession): OpenTransaction {
    return this.#withOpen(session).open!
  }
}
