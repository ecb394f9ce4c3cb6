import type { Consumer as KafkaJsConsumerClient, ConsumerEndBatchProcessEvent, Kafka } from 'kafkajs'
import type { Logger } from '../../instrumentation/logger.ts'
import { rangeAssignor } from '../embedded/range-assignor.ts'
import { ClientClosedError, CommitFailedError, KafkaClientError } from '../errors.ts'
import type { Consumer, ConsumerConfig, ConsumerRecord, OffsetRange, TopicPartition, TopicPartitionOffset } from '../port.ts'
import { partitionKey } from '../port.ts'
import { KafkaJsAdmin } from './admin.ts'
import { batchHandoff, settledWithin } from './batch-handoff.ts'
import { translateCommitError, translateError } from './errors.ts'
import { FetchBuffer } from './fetch-buffer.ts'
import { toKafkaJsAssigner } from './group-assignor.ts'
import { GroupMembership } from './group-membership.ts'
import { PollInterval } from './poll-interval.ts'
import { withJoinGate } from './join-gate.ts'
import { RebalanceSteps } from './rebalance-steps.ts'
import { groupByTopic } from './records.ts'

/** The longest close() waits for a runner still joining (Java's consumer closes within 30 s). */
const CLOSE_WAIT_MS = 30_000

export interface KafkaJsConsumerOptions {
  readonly sessionTimeout: number
  /** Also the max poll interval: a consumer that doesn't poll for this long leaves the group. */
  readonly rebalanceTimeout: number
  readonly heartbeatInterval: number
  readonly maxWaitTimeInMs: number
  readonly maxBytesPerPartition: number
  readonly maxBytes: number
  readonly partitionsConsumedConcurrently: number
  readonly maxPollRecords: number
  readonly logger: Logger
}

/**
 * The port's poll-based consumer over kafkajs's push-based `run({ eachBatch })` (DESIGN.md,
 * decision 6): fetched batches wait in a buffer for `poll()` (see batch-handoff.ts), offsets
 * are never committed automatically, and rebalances reach the listener inside `poll()` as
 * revoke-then-assign steps (see rebalance-steps.ts). kafkajs has no revoke callback and rejoins
 * as soon as it notices a rebalance; the join gate (join-gate.ts) holds each rejoin until
 * `poll()` has run the revoke, so commits made there land in the generation that owned the
 * partitions, as with Java's eager consumer.
 *
 * kafkajs's runner lives on its own, so a runtime stuck between polls would keep its partitions
 * forever; like the Java consumer's `max.poll.interval.ms`, a consumer that has not polled for
 * the rebalance timeout leaves the group (group-membership.ts), and joins again at its next `poll()`.
 */
export class KafkaJsConsumer implements Consumer {
  readonly #kafka: Kafka
  readonly #config: ConsumerConfig
  readonly #options: KafkaJsConsumerOptions
  readonly #logger: Logger
  readonly #buffer = new FetchBuffer()
  readonly #steps: RebalanceSteps
  readonly #paused = new Map<string, TopicPartition>()
  /** Batches kafkajs fetched and passed over whole (markers, aborted records): see skippedOffsets(). */
  readonly #skipped = new Map<string, OffsetRange>()
  readonly #pollInterval: PollInterval
  #consumer: KafkaJsConsumerClient | undefined
  #admin: KafkaJsAdmin | undefined
  readonly #membership: GroupMembership
  #fatal: KafkaClientError | undefined
  #closing: Promise<void> | undefined
  #closed = false
  /** The last `consumer.run()`: settles once its runner joined or crashed. */
  #running: Promise<void> = Promise.resolve()

  constructor(kafka: Kafka, config: ConsumerConfig, options: KafkaJsConsumerOptions) {
    this.#kafka = kafka
    this.#config = config
    this.#options = options
    this.#logger = options.logger.child({ component: 'kafkajs-consumer', groupId: config.groupId })
    this.#steps = new RebalanceSteps(config, {
      onRevoke: () => this.#buffer.release(),
      onRevoked: () => this.#resumeAll(),
      changed: () => this.#buffer.wake(),
    })
    this.#membership = new GroupMembership({
      config,
      steps: this.#steps,
      logger: this.#logger,
      maxPollIntervalMs: options.rebalanceTimeout,
      consumer: () => this.#consumer,
      started: () => this.#running,
      admin: () => this.#adminClient(),
      closing: () => this.#closing !== undefined,
      fail: (error) => this.#fail(error),
    })
    this.#pollInterval = new PollInterval(options.rebalanceTimeout, (idle) => this.#membership.leave(idle))
  }

  async connect(): Promise<void> {
    this.#checkOpen()
    if (this.#consumer) return
    const { groupId, topics } = this.#config
    const consumer = this.#kafka.consumer({
      groupId,
      // kafkajs's default retries; restarts after a crash are the membership's.
      retry: { retries: 5, restartOnFailure: this.#membership.restartOnFailure },
      partitionAssigners: [
        withJoinGate(toKafkaJsAssigner(this.#config.assignor ?? rangeAssignor, (r) => this.#membership.leaderAssigned(r)), {
          groupId,
          revoke: () => this.#steps.revoke(),
          generation: () => this.#membership.generation,
          heartbeatInterval: this.#options.heartbeatInterval,
          maxHoldMs: this.#options.rebalanceTimeout / 2,
          sessionTimeout: this.#options.sessionTimeout,
          logger: this.#logger,
        }),
      ],
      sessionTimeout: this.#options.sessionTimeout,
      rebalanceTimeout: this.#options.rebalanceTimeout,
      heartbeatInterval: this.#options.heartbeatInterval,
      maxWaitTimeInMs: this.#options.maxWaitTimeInMs,
      maxBytesPerPartition: this.#options.maxBytesPerPartition,
      maxBytes: this.#options.maxBytes,
      readUncommitted: this.#config.isolationLevel === 'read_uncommitted',
      // Kafka Streams' consumers never create topics; a missing source topic is an error.
      allowAutoTopicCreation: false,
    })
    this.#membership.watch(consumer)
    // kafkajs resolves a batch of only control or aborted records itself, without eachBatch;
    // trailing control records of a batch with records are resolved in batchHandoff.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload: b }: ConsumerEndBatchProcessEvent) => {
      if (b.batchSize === 0 && b.firstOffset !== null) this.#skipped.set(partitionKey(b.topic, b.partition), { from: Number(b.firstOffset), to: Number(b.lastOffset) + 1 })
    })
    this.#consumer = consumer
    try {
      await consumer.connect()
      await consumer.subscribe({ topics: [...topics], fromBeginning: this.#config.autoOffsetReset === 'earliest' })
    } catch (error) {
      this.#consumer = undefined
      await consumer.disconnect().catch(() => undefined)
      throw translateError(error, `consumer of group "${groupId}" could not subscribe to ${topics.join(', ')}`)
    }
    this.#run(consumer)
    this.#pollInterval.start()
  }

  async poll(maxWaitMs: number): Promise<ConsumerRecord[]> {
    this.#connected()
    this.#pollInterval.enter()
    try {
      if (this.#membership.left) {
        // Revoke first: commits made for partitions this member has lost must fail, not land.
        await this.#steps.run()
        if (this.#membership.rejoinDelay() === 0) await this.#rejoin()
      }
      const deadline = Date.now() + maxWaitMs
      for (;;) {
        if (this.#steps.pending) {
          await this.#steps.run()
          continue
        }
        if (this.#closed || this.#closing) return []
        if (this.#fatal) throw this.#fatal
        const records = this.#buffer.take(this.#options.maxPollRecords, (key) => this.#paused.has(key))
        if (records.length > 0) return records
        const remaining = deadline - Date.now()
        if (remaining <= 0) return []
        await this.#buffer.wait(remaining)
      }
    } finally {
      this.#pollInterval.exit()
    }
  }

  assignment(): TopicPartition[] {
    return this.#steps.assignment()
  }

  pause(partitions: ReadonlyArray<TopicPartition>): void {
    if (partitions.length === 0) return
    const consumer = this.#connected()
    this.#membership.onGroup('pause', () => consumer.pause(groupByTopic(partitions)))
    for (const p of partitions) this.#paused.set(partitionKey(p.topic, p.partition), p)
    // A paused partition's waiting batch would hold up kafkajs's next fetch for every partition.
    this.#buffer.release((b) => this.#paused.has(b.key))
  }

  resume(partitions: ReadonlyArray<TopicPartition>): void {
    if (partitions.length === 0) return
    const consumer = this.#connected()
    this.#membership.onGroup('resume', () => consumer.resume(groupByTopic(partitions)))
    for (const p of partitions) this.#paused.delete(partitionKey(p.topic, p.partition))
  }

  seek(partition: TopicPartitionOffset): void {
    const consumer = this.#connected()
    const key = partitionKey(partition.topic, partition.partition)
    if (!this.#steps.assignment().some((p) => partitionKey(p.topic, p.partition) === key)) {
      throw new KafkaClientError(`Cannot seek ${partition.topic}-${partition.partition}: not assigned to this consumer`)
    }
    this.#membership.onGroup('seek', () => consumer.seek({ topic: partition.topic, partition: partition.partition, offset: String(partition.offset) }))
    this.#buffer.release((b) => b.key === key)
  }

  async commit(offsets: ReadonlyArray<TopicPartitionOffset>): Promise<void> {
    const consumer = this.#connected()
    if (offsets.length === 0) return
    // kafkajs silently skips a commit while its runner is down; the port must not.
    if (!this.#membership.member) throw new CommitFailedError(`Consumer of group "${this.#config.groupId}" is not a member of the group`, { retriable: true })
    try {
      await consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })))
    } catch (error) {
      throw translateCommitError(error, `commit for group "${this.#config.groupId}"`)
    }
  }

  skippedOffsets(partition: TopicPartition): OffsetRange | undefined {
    return this.#skipped.get(partitionKey(partition.topic, partition.partition))
  }

  async committed(partitions: ReadonlyArray<TopicPartition>): Promise<Map<string, number>> {
    this.#connected()
    // Under read_committed, as the Java consumer: wait out transactional commits still pending.
    if (this.#config.isolationLevel === 'read_committed') return this.#adminClient().stableCommittedOffsets(this.#config.groupId, partitions)
    return this.#adminClient().committedOffsets(this.#config.groupId, partitions)
  }

  #adminClient(): KafkaJsAdmin {
    this.#admin ??= new KafkaJsAdmin(this.#kafka, { defaultReplicationFactor: -1 })
    return this.#admin
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve()
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    this.#pollInterval.stop()
    try {
      // Revoke while still a member, so the listener's commits count.
      await this.#steps.closeRevoking()
    } finally {
      this.#buffer.release()
      this.#membership.closed()
      const consumer = this.#consumer
      // kafkajs's disconnect() during a runner's start leaves that runner running, unowned: let the
      // start settle first (the join gate holds nothing now), for a bounded time.
      await settledWithin(this.#running, Math.min(CLOSE_WAIT_MS, this.#options.rebalanceTimeout))
      await Promise.allSettled([consumer?.disconnect(), this.#admin?.close()])
      // A runner still starting outlives that disconnect (see #rejoin): disconnect once more after.
      void this.#running.then(() => consumer?.disconnect()).catch(() => {})
      this.#closed = true
      this.#buffer.wake()
    }
  }

  /** run() settles only after the first join, which may wait for other members to poll: not awaited. */
  #run(consumer: KafkaJsConsumerClient): void {
    this.#running = consumer
      .run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.#options.partitionsConsumedConcurrently,
        eachBatch: batchHandoff({
          buffer: this.#buffer,
          steps: this.#steps,
          paused: this.#paused,
          heartbeatInterval: this.#options.heartbeatInterval,
          accepting: () => !this.#closing && !this.#membership.left,
          passedOver: (key, offsets) => this.#skipped.set(key, offsets),
        }),
      })
      .catch((error: unknown) => this.#fail(error))
  }

  /** Leaves the group and joins again on the next poll (see group-membership.ts). */
  enforceRebalance(): void {
    this.#membership.enforceRebalance()
  }

  async #rejoin(): Promise<void> {
    await this.#membership.rejoining()
    if (!this.#consumer || this.#closing) return
    // No runner may be left when run() starts one (kafkajs ignores run() while one runs). Its
    // stop() during a start does nothing, and that runner would run on unowned: let it settle.
    await this.#running
    await this.#consumer.stop().catch((error: unknown) => this.#logger.warn({ err: error }, 'stopping the previous runner failed'))
    // A close, or a crash of the start just waited for, meanwhile: the rejoin is theirs now.
    if (this.#closing || this.#membership.left) return
    this.#run(this.#consumer)
  }

  #fail(error: unknown): void {
    // Final, whatever the error: nothing clears #fatal, so a retriable one would be retried forever.
    const e = translateError(error, `consumer of group "${this.#config.groupId}" stopped`)
    this.#fatal ??= e.retriable ? new KafkaClientError(e.message, { cause: error, retriable: false }) : e
    this.#buffer.wake()
  }

  /** kafkajs keeps pause state across rebalances; the port, like Java, starts a new assignment unpaused. */
  #resumeAll(): void {
    if (this.#paused.size === 0) return
    const partitions = [...this.#paused.values()]
    this.#paused.clear()
    try {
      this.#consumer?.resume(groupByTopic(partitions))
    } catch {
      // A stopped consumer has nothing left to resume.
    }
  }

  #connected(): KafkaJsConsumerClient {
    this.#checkOpen()
    if (!this.#consumer) throw new KafkaClientError('Consumer is not connected: call connect() first')
    return this.#consumer
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClientClosedError('Consumer is closed')
  }
}
