import type { ConsumerConfig, TopicPartition } from '../port.ts'

type Step =
  | { readonly kind: 'revoke'; readonly done: () => void }
  | { readonly kind: 'assign'; readonly partitions: TopicPartition[]; readonly userData: Promise<Buffer> | undefined; readonly done: () => void }

export interface RebalanceHooks {
  /** A revoke was queued: fetched records of the old assignment must not be handed out. */
  onRevoke(): void
  /** Just before the listener hears of a revoke. */
  onRevoked(): void
  /** Something was queued: wake a waiting poll. */
  changed(): void
}

/**
 * The eager rebalance as the listener sees it: kafkajs events queue "revoke everything" and
 * "assign these" steps, and `poll()` runs them in order, awaiting the listener, so the runtime
 * hears of rebalances only inside `poll()` and never concurrently with it.
 */
export class RebalanceSteps {
  readonly #config: ConsumerConfig
  readonly #hooks: RebalanceHooks
  readonly #queue: Step[] = []
  /** The listener will hold an assignment once the queue has run. */
  #owned = false
  /** A queued revoke not run yet, as a promise that settles when it has run. */
  #pendingRevoke: Promise<void> | undefined
  /** What the listener holds now (told assigned, not yet revoked). */
  #holding = false
  #assignment: TopicPartition[] = []

  constructor(config: ConsumerConfig, hooks: RebalanceHooks) {
    this.#config = config
    this.#hooks = hooks
  }

  get pending(): boolean {
    return this.#queue.length > 0
  }

  /** Whether records fetched now belong to an assignment the listener holds or will hold. */
  get owns(): boolean {
    return this.#owned
  }

  assignment(): TopicPartition[] {
    return [...this.#assignment]
  }

  /** Queues "revoke everything" unless nothing is owned; resolves once the listener has run. */
  revoke(): Promise<void> | undefined {
    if (!this.#owned) return this.#pendingRevoke
    this.#owned = false
    let done!: () => void
    const promise = new Promise<void>((resolve) => (done = resolve))
    this.#pendingRevoke = promise
    this.#queue.push({ kind: 'revoke', done })
    this.#hooks.onRevoke()
    this.#hooks.changed()
    return promise
  }

  /** Queues a new assignment, revoking the previous one first (eager protocol). */
  assign(partitions: TopicPartition[], userData: Promise<Buffer> | undefined): void {
    this.revoke()
    // Don't leave an unhandled rejection behind if the consumer closes before the step runs.
    userData?.catch(() => undefined)
    this.#queue.push({ kind: 'assign', partitions, userData, done: () => {} })
    this.#owned = true
    this.#hooks.changed()
  }

  /** Runs the queued steps through the listener, in order. A throwing listener's error propagates. */
  async run(): Promise<void> {
    while (this.#queue.length > 0) {
      const step = this.#queue.shift()!
      try {
        if (step.kind === 'revoke') await this.#revokeNow()
        else await this.#assignNow(step.partitions, step.userData)
      } finally {
        if (step.kind === 'revoke' && this.#queue.every((s) => s.kind !== 'revoke')) this.#pendingRevoke = undefined
        step.done()
      }
    }
  }

  /** For close(): drops queued steps, and revokes what the listener holds. */
  async closeRevoking(): Promise<void> {
    const dropped = this.#queue.splice(0)
    this.#owned = false
    // A rejoin kafkajs starts meanwhile (another member left) asks the join gate, which asks
    // revoke(): it must wait for this revoke too, or its JoinGroup moves the generation on under
    // the listener's commits, which then fail and are lost (seen as records counted twice).
    let closed!: () => void
    this.#pendingRevoke = new Promise<void>((resolve) => (closed = resolve))
    try {
      await this.#revokeNow()
    } finally {
      closed()
      this.#pendingRevoke = undefined
      for (const step of dropped) step.done()
    }
  }

  async #revokeNow(): Promise<void> {
    if (!this.#holding) return
    const revoked = this.#assignment
    this.#holding = false
    this.#assignment = []
    this.#hooks.onRevoked()
    await this.#config.rebalanceListener.onPartitionsRevoked(revoked)
  }

  async #assignNow(partitions: TopicPartition[], userData: Promise<Buffer> | undefined): Promise<void> {
    const assignor = this.#config.assignor
    if (assignor?.onAssignment && userData) assignor.onAssignment(await userData)
    this.#holding = true
    this.#assignment = partitions
    await this.#config.rebalanceListener.onPartitionsAssigned([...partitions])
  }
}
