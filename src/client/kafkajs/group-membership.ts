import type { Consumer as KafkaJsConsumerClient, ConsumerCrashEvent, ConsumerGroupJoinEvent } from 'kafkajs'
import type { Logger } from '../../instrumentation/logger.ts'
import { KafkaClientError } from '../errors.ts'
import type { ConsumerConfig } from '../port.ts'
import type { KafkaJsAdmin } from './admin.ts'
import { isRetriableKafkaJsError, translateError } from './errors.ts'
import { assignedPartitions, followerUserData, type LeaderAssignment } from './group-assignor.ts'
import type { RebalanceSteps } from './rebalance-steps.ts'

/** The first rejoin after a crash waits this long (kafkajs's own initial retry time); doubling. */
const REJOIN_BACKOFF_MS = 300
const MAX_REJOIN_BACKOFF_MS = 10_000

/** What the membership needs from its consumer. */
export interface MembershipHost {
  readonly config: ConsumerConfig
  readonly steps: RebalanceSteps
  readonly logger: Logger
  /** The max poll interval (kafkajs's rebalance timeout), named when leaving for not polling. */
  readonly maxPollIntervalMs: number
  /** kafkajs's consumer once connected. */
  consumer(): KafkaJsConsumerClient | undefined
  /** Settles once the last `consumer.run()`'s runner has joined or crashed (see #stopRunner). */
  started(): Promise<void>
  admin(): KafkaJsAdmin
  closing(): boolean
  /** kafkajs's consumer crashed and will not restart: the consumer is done. */
  fail(error: unknown): void
}

/**
 * The kafkajs consumer's membership of its group: whether kafkajs's runner is in the group now
 * (commits, pause, resume and seek depend on it), the generation the join gate heartbeats with,
 * what each join assigned (handed to the rebalance steps with the assignor's user data), crashes,
 * and leaving on purpose — to force a rebalance, or after not polling within the max poll
 * interval — until the next `poll()` revokes and joins again.
 *
 * Only `poll()` ever starts kafkajs's runner again. kafkajs would restart a crashed runner itself,
 * from a timer set at the end of its crash handling; when the runtime left and rejoined meanwhile
 * (a broker outage does both), that timer started a second runner beside ours, overwriting
 * kafkajs's handle on the first. The two members of one process then took turns losing their
 * sessions (UNKNOWN_MEMBER_ID every session timeout) and the tasks barely ran, for minutes after
 * a broker bounce (docs/chaos.md, finding 8). So `restartOnFailure` answers no, and a retriable
 * crash counts as having left the group: the next poll, after a backoff, joins again.
 */
export class GroupMembership {
  readonly #host: MembershipHost
  /** kafkajs's runner is in the group (joined, not crashed, stopped or left). */
  #member = false
  /** Known from kafkajs's heartbeat and commit events: the join gate heartbeats with it. */
  #generation: { memberId: string; generationId: number } | undefined
  /** Set while out of the group on purpose: settles when kafkajs has left. */
  #left: Promise<void> | undefined
  #leaderAssignment: LeaderAssignment | undefined
  /** The crash kafkajs last asked about restarting after (it deems it retriable); its CRASH follows. */
  #retriableCrash: unknown
  /** Crashes since the last join: the rejoin backoff grows with them. */
  #crashes = 0
  /** Since when crashes kafkajs calls final but we retry (a coordinator not found) have gone on. */
  #unsureSince: number | undefined
  /** No rejoin before this (ms since the epoch): the backoff after a crash. */
  #rejoinAt = 0

  constructor(host: MembershipHost) {
    this.#host = host
  }

  get member(): boolean {
    return this.#member
  }

  get generation(): { readonly memberId: string; readonly generationId: number } | undefined {
    return this.#generation
  }

  get left(): Promise<void> | undefined {
    return this.#left
  }

  /** What the assignor computed as the group's leader: its own user data is taken from here. */
  leaderAssigned(assignment: LeaderAssignment): void {
    this.#leaderAssignment = assignment
  }

  /** Follows kafkajs's group events on its consumer (before it connects). */
  watch(consumer: KafkaJsConsumerClient): void {
    consumer.on(consumer.events.GROUP_JOIN, (e: ConsumerGroupJoinEvent) => this.#onGroupJoin(e.payload))
    consumer.on(consumer.events.REBALANCING, () => this.#host.steps.revoke())
    consumer.on(consumer.events.CRASH, (e: ConsumerCrashEvent) => this.#onCrash(e.payload))
    const seen = ({ payload }: { payload: { memberId: string; groupGenerationId: number } }): void => {
      this.#generation = { memberId: payload.memberId, generationId: payload.groupGenerationId }
    }
    consumer.on(consumer.events.HEARTBEAT, seen)
    consumer.on(consumer.events.COMMIT_OFFSETS, seen)
  }

  /**
   * kafkajs cannot ask for a rebalance while staying in the group: leave it (revoking first on the
   * next poll) and join again as a new member, which starts the rebalance.
   */
  enforceRebalance(): void {
    if (this.#left || this.#host.closing() || !this.#host.consumer()) return
    this.#host.logger.info({}, 'rebalance requested: leaving the group and joining again on the next poll')
    this.#stopRunner()
  }

  /** Out of the group until the next poll(), like a Java consumer past `max.poll.interval.ms`. */
  leave(idle: number): void {
    if (this.#left || this.#host.closing() || !this.#host.consumer()) return
    this.#host.logger.warn({ idleMs: idle, maxPollIntervalMs: this.#host.maxPollIntervalMs }, 'poll() was not called within the max poll interval: leaving the group until the next poll')
    this.#stopRunner()
  }

  /**
   * kafkajs's `retry.restartOnFailure`: called, after kafkajs stopped its runner and disconnected,
   * only for a crash it deems retriable. Never restart from kafkajs's timer (see the class).
   */
  restartOnFailure = async (error: Error): Promise<boolean> => {
    this.#retriableCrash = error
    return false
  }

  /** How long until the crash backoff allows a rejoin (0: now). poll() never sleeps it out. */
  rejoinDelay(): number {
    return Math.max(0, this.#rejoinAt - Date.now())
  }

  /** Once kafkajs has left: the caller runs it again, which joins as a new member. */
  async rejoining(): Promise<void> {
    await this.#left
    this.#left = undefined
  }

  /**
   * A call on kafkajs's consumer group (pause, resume, seek). Between a crash and the rejoin (a broker
   * outage) there is none and kafkajs throws "not initialized": the assignment the call was for
   * is being revoked (the crash queued the revoke), so this is retriable, not fatal. Not skipped
   * either: a task created without its seek to the committed offsets, then kept across the next
   * rebalance, would start wherever kafkajs's own offset fetch put it.
   */
  onGroup(what: string, call: () => void): void {
    try {
      call()
    } catch (error) {
      if (!this.#member) {
        throw new KafkaClientError(`${what}: kafkajs's consumer is out of the group (restarting after a crash, or leaving); its assignment is being revoked`, {
          cause: error,
          retriable: true,
        })
      }
      throw translateError(error, what)
    }
  }

  /** The consumer closes: whatever kafkajs does now, the port no longer counts as a member. */
  closed(): void {
    this.#member = false
  }

  #stopRunner(): void {
    // Not a member: kafkajs crashed (the next poll joins again) or has not joined yet, and its
    // next join is a fresh one anyway.
    const consumer = this.#host.consumer()
    if (!consumer || !this.#member) return
    this.#member = false
    this.#host.steps.revoke()
    // kafkajs's stop() during its runner's start does nothing; GROUP_JOIN comes just before the
    // start ends, so let it end.
    this.#left = this.#host
      .started()
      .then(() => consumer.stop())
      .catch((error: unknown) => this.#host.logger.warn({ err: error }, 'leaving the group failed'))
  }

  #onGroupJoin(payload: ConsumerGroupJoinEvent['payload']): void {
    // The join of a runner being stopped (leaving, or closing): its assignment is moot, and
    // counting it a member would let a leave stop the next runner mid-start.
    if (this.#left || this.#host.closing()) return
    this.#member = true
    this.#crashes = 0
    this.#unsureSince = undefined
    this.#generation = undefined
    const partitions = assignedPartitions(payload.memberAssignment)
    const { config, logger } = this.#host
    let userData: Promise<Buffer> | undefined
    if (config.assignor?.onAssignment) {
      const own = payload.isLeader ? this.#leaderAssignment?.userData.get(payload.memberId) : undefined
      const describe = () => this.#host.admin().memberAssignment(config.groupId, payload.memberId)
      userData = own ? Promise.resolve(own) : followerUserData(describe, payload.memberId, logger)
    }
    this.#leaderAssignment = undefined
    logger.debug({ memberId: payload.memberId, isLeader: payload.isLeader, partitions: partitions.length }, 'joined the group')
    this.#host.steps.assign(partitions, userData)
  }

  #onCrash({ error }: ConsumerCrashEvent['payload']): void {
    // kafkajs's own verdict, as the same error it asked about (two crashes may overlap).
    const kafkaJsRetriable = error === this.#retriableCrash
    if (kafkaJsRetriable) this.#retriableCrash = undefined
    this.#member = false
    this.#host.steps.revoke()
    if (this.#host.closing()) return
    // kafkajs calls a coordinator lookup that ran out of retries final; right after a broker
    // restart it is routine (errors.ts), but it may also hide an authorization failure: retried,
    // for no longer than the max poll interval without a join.
    const now = Date.now()
    if (!kafkaJsRetriable && isRetriableKafkaJsError(error)) this.#unsureSince ??= now
    const retriable = kafkaJsRetriable || (this.#unsureSince !== undefined && now - this.#unsureSince < this.#host.maxPollIntervalMs)
    if (!retriable) {
      this.#host.logger.warn({ err: error }, 'kafkajs consumer crashed')
      this.#host.fail(error)
      return
    }
    // kafkajs's runner has stopped and its connections are closed (CRASH comes after both): out
    // of the group until a poll() after the backoff joins again.
    const backoffMs = Math.min(REJOIN_BACKOFF_MS * 2 ** this.#crashes++, MAX_REJOIN_BACKOFF_MS)
    this.#host.logger.warn({ err: error, rejoinInMs: backoffMs }, 'kafkajs consumer crashed: joining the group again on a later poll')
    this.#rejoinAt = now + backoffMs
    this.#left ??= Promise.resolve()
  }
}
