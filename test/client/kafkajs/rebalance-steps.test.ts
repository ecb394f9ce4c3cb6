import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RebalanceSteps } from '../../../src/client/kafkajs/rebalance-steps.ts'
import type { ConsumerConfig, GroupAssignor, TopicPartition } from '../../../src/client/port.ts'

function setup(assignor?: GroupAssignor) {
  const calls: string[] = []
  const hooks = { revokeQueued: 0, revokedNow: 0, changed: 0 }
  const names = (ps: ReadonlyArray<TopicPartition>) => ps.map((p) => `${p.topic}-${p.partition}`).join(',')
  const config: ConsumerConfig = {
    groupId: 'g',
    topics: ['t'],
    isolationLevel: 'read_committed',
    autoOffsetReset: 'earliest',
    ...(assignor ? { assignor } : {}),
    rebalanceListener: {
      async onPartitionsRevoked(ps) {
        await new Promise((resolve) => setTimeout(resolve, 5))
        calls.push(`revoked ${names(ps)}`)
      },
      onPartitionsAssigned(ps) {
        calls.push(`assigned ${names(ps)}`)
      },
    },
  }
  const steps = new RebalanceSteps(config, {
    onRevoke: () => hooks.revokeQueued++,
    onRevoked: () => hooks.revokedNow++,
    changed: () => hooks.changed++,
  })
  return { steps, calls, hooks }
}

const tps = (...ps: number[]) => ps.map((partition) => ({ topic: 't', partition }))

test('nothing reaches the listener until run(); then revoke precedes each new assignment', async () => {
  const { steps, calls, hooks } = setup()
  assert.equal(steps.revoke(), undefined, 'nothing owned, nothing to revoke')
  steps.assign(tps(0, 1, 2), undefined)
  assert.equal(steps.owns, true)
  assert.deepEqual(calls, [])
  await steps.run()
  assert.deepEqual(calls, ['assigned t-0,t-1,t-2'])
  assert.deepEqual(steps.assignment(), tps(0, 1, 2))

  // A rebalance: kafkajs's REBALANCING, then GROUP_JOIN with the new assignment.
  const revoked = steps.revoke()
  assert.ok(revoked)
  assert.equal(steps.owns, false, 'fetched records of the old assignment are not handed out')
  assert.equal(steps.revoke(), revoked, 'a second notice waits for the same revoke')
  steps.assign(tps(1), undefined)
  assert.equal(hooks.revokeQueued, 1)
  await steps.run()
  await revoked
  assert.deepEqual(calls.slice(1), ['revoked t-0,t-1,t-2', 'assigned t-1'])
  assert.equal(hooks.revokedNow, 1)
  assert.equal(steps.pending, false)
})

test('a join without a prior REBALANCING event still revokes first', async () => {
  const { steps, calls } = setup()
  steps.assign(tps(0), undefined)
  await steps.run()
  steps.assign(tps(0, 1), undefined)
  await steps.run()
  assert.deepEqual(calls, ['assigned t-0', 'revoked t-0', 'assigned t-0,t-1'])
})

test('onAssignment receives the user data before onPartitionsAssigned', async () => {
  const seen: string[] = []
  const assignor: GroupAssignor = {
    name: 'x',
    subscriptionUserData: () => Buffer.alloc(0),
    assign: () => new Map(),
    onAssignment: (userData) => seen.push(`userData ${userData.toString()}`),
  }
  const { steps, calls } = setup(assignor)
  steps.assign(tps(0), Promise.resolve(Buffer.from('standbys')))
  await steps.run()
  assert.deepEqual(seen, ['userData standbys'])
  assert.deepEqual(calls, ['assigned t-0'])
})

test('closing drops queued steps, revokes what the listener holds, and releases waiters', async () => {
  const { steps, calls } = setup()
  steps.assign(tps(0), undefined)
  await steps.run()
  const revoked = steps.revoke()!
  steps.assign(tps(3), undefined)
  await steps.closeRevoking()
  await revoked
  assert.deepEqual(calls, ['assigned t-0', 'revoked t-0'])
  assert.equal(steps.pending, false)
  assert.equal(steps.owns, false)
})

test('a revoke asked while close() revokes (a rejoin at the join gate) waits for the close\'s revoke to finish', async () => {
  // The listener's revoke (its commits) finishes only when the test says so: no timing involved.
  let finishRevoke!: () => void
  const revoking = new Promise<void>((resolve) => (finishRevoke = resolve))
  const config: ConsumerConfig = {
    groupId: 'g',
    topics: ['t'],
    isolationLevel: 'read_committed',
    autoOffsetReset: 'earliest',
    rebalanceListener: { onPartitionsRevoked: () => revoking, onPartitionsAssigned: () => {} },
  }
  const steps = new RebalanceSteps(config, { onRevoke: () => {}, onRevoked: () => {}, changed: () => {} })
  steps.assign(tps(0, 1), undefined)
  await steps.run()
  const closing = steps.closeRevoking()
  const gate = steps.revoke()
  assert.ok(gate, 'the join gate gets something to wait for')
  let gateDone = false
  void gate.then(() => (gateDone = true))
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(gateDone, false, 'not before the listener has run')
  finishRevoke()
  await closing
  await gate
  assert.equal(gateDone, true)
})
