// How the kafkajs consumer's membership answers kafkajs's crashes (docs/chaos.md, finding 8):
// kafkajs never restarts on its own; a crash it deems retriable, or a coordinator lookup that ran
// out of retries (final to kafkajs, routine after a broker restart), is a leave that a later poll
// rejoins after a backoff; anything else fails the consumer. kafkajs's own events and error
// classes drive it, on an event emitter standing in for kafkajs's consumer.
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import type { Consumer as KafkaJsConsumerClient } from 'kafkajs'
import { GroupMembership } from '../../../src/client/kafkajs/group-membership.ts'
import type { RebalanceSteps } from '../../../src/client/kafkajs/rebalance-steps.ts'
import type { Logger } from '../../../src/instrumentation/logger.ts'

type ErrorClass = new (message: string | Error, options?: object) => Error
const kafkajs = createRequire(import.meta.url)('kafkajs') as Record<string, ErrorClass>
const events = { GROUP_JOIN: 'consumer.group_join', REBALANCING: 'consumer.rebalancing', CRASH: 'consumer.crash', HEARTBEAT: 'consumer.heartbeat', COMMIT_OFFSETS: 'consumer.commit_offsets' }

function setUp(maxPollIntervalMs = 300_000) {
  const emitter = new EventEmitter()
  const consumer = { events, on: (name: string, fn: (e: unknown) => void) => emitter.on(name, fn), stop: async () => {} } as unknown as KafkaJsConsumerClient
  const failed: unknown[] = []
  const assigned: number[] = []
  const quiet = (): void => {}
  const backoffs: number[] = []
  const warn = (fields: object): void => {
    const ms = (fields as { rejoinInMs?: number }).rejoinInMs
    if (ms !== undefined) backoffs.push(ms)
  }
  const logger: Logger = { trace: quiet, debug: quiet, info: quiet, warn, error: quiet, child: () => logger }
  const membership = new GroupMembership({
    config: { groupId: 'g', topics: ['t'], isolationLevel: 'read_committed', autoOffsetReset: 'earliest', rebalanceListener: { onPartitionsAssigned: quiet, onPartitionsRevoked: quiet } },
    steps: { revoke: () => undefined, assign: (p: unknown[]) => assigned.push(p.length) } as unknown as RebalanceSteps,
    logger,
    maxPollIntervalMs,
    consumer: () => consumer,
    started: async () => {},
    admin: () => {
      throw new Error('no admin here')
    },
    closing: () => false,
    fail: (error) => failed.push(error),
  })
  membership.watch(consumer)
  const crash = (error: Error) => emitter.emit(events.CRASH, { payload: { error, groupId: 'g', restart: false } })
  const join = () => emitter.emit(events.GROUP_JOIN, { payload: { memberId: 'm', isLeader: false, memberAssignment: {}, groupId: 'g', leaderId: 'm', groupProtocol: 'kstreams', duration: 1 } })
  return { membership, failed, assigned, backoffs, crash, join }
}

test('kafkajs is never told to restart; a crash it deems retriable is a leave that a poll rejoins after a growing backoff', async () => {
  const { membership, failed, backoffs, crash } = setUp()
  const error = new kafkajs.KafkaJSNumberOfRetriesExceeded!(new kafkajs.KafkaJSConnectionError!('Connection error: connect ECONNREFUSED'), { retryCount: 5, retryTime: 3000 })
  assert.equal(await membership.restartOnFailure(error), false, 'kafkajs restarts nothing itself')
  crash(error)
  assert.deepEqual(failed, [])
  assert.ok(membership.left, 'out of the group until a poll rejoins')
  assert.ok(membership.rejoinDelay() <= 300)
  await membership.rejoining()
  assert.equal(membership.left, undefined)
  const again = new kafkajs.KafkaJSConnectionError!('Connection error: connect ECONNREFUSED')
  await membership.restartOnFailure(again)
  crash(again)
  assert.deepEqual(backoffs, [300, 600], 'the backoff doubles')
})

test('a group coordinator not found, final to kafkajs, is rejoined too, but not for longer than the max poll interval without a join', async () => {
  const { membership, failed, crash, join } = setUp(1000)
  // As kafkajs's retrier bails out with it (retry/index.js: the original error as the cause).
  const notFound = () => {
    const inner = new kafkajs.KafkaJSGroupCoordinatorNotFound!('Failed to find group coordinator')
    return new kafkajs.KafkaJSNonRetriableError!(inner, { cause: inner })
  }
  crash(notFound()) // kafkajs never asked restartOnFailure: it calls this final
  assert.deepEqual(failed, [])
  assert.ok(membership.left)
  await membership.rejoining()
  join() // a join resets the patience
  await new Promise((resolve) => setTimeout(resolve, 1100))
  crash(notFound())
  assert.deepEqual(failed, [], 'a new streak after the join')
  await membership.rejoining()
  await new Promise((resolve) => setTimeout(resolve, 1100))
  crash(notFound())
  assert.equal(failed.length, 1, 'past the max poll interval without a join: the consumer fails')
})

test('any other crash kafkajs calls final fails the consumer at once', () => {
  const { failed, crash } = setUp()
  crash(new kafkajs.KafkaJSSASLAuthenticationError!('SASL PLAIN authentication failed'))
  assert.equal(failed.length, 1)
})

test('the join of a runner being stopped is not counted: no member, no assignment', async () => {
  const { membership, assigned, crash, join } = setUp()
  const error = new kafkajs.KafkaJSConnectionError!('Connection error')
  await membership.restartOnFailure(error)
  crash(error)
  join() // a late GROUP_JOIN while out of the group
  assert.equal(membership.member, false)
  assert.deepEqual(assigned, [])
  await membership.rejoining()
  join()
  assert.equal(membership.member, true)
  assert.deepEqual(assigned, [0])
})
