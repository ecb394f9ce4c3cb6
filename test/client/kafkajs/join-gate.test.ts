import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { PartitionAssigner } from 'kafkajs'
import { withJoinGate } from '../../../src/client/kafkajs/join-gate.ts'
import { silentLogger } from '../../../src/instrumentation/logger.ts'

/** A stand-in for kafkajs's cluster: records coordinator lookups and heartbeats. */
function fakeCluster() {
  const calls: string[] = []
  const cluster = {
    async findGroupCoordinator(request: { groupId: string; coordinatorType?: number }) {
      calls.push(`find ${request.groupId} type=${request.coordinatorType ?? 'group'}`)
      return {
        async heartbeat(r: { groupGenerationId: number; memberId: string }) {
          calls.push(`heartbeat ${r.memberId}@${r.groupGenerationId}`)
          throw Object.assign(new Error('The group is rebalancing'), { type: 'REBALANCE_IN_PROGRESS' })
        },
      }
    },
  }
  return { cluster, calls }
}

function gated(options: { revoke: () => Promise<void> | undefined; generation?: { memberId: string; generationId: number }; maxHoldMs?: number }) {
  const { cluster, calls } = fakeCluster()
  const inner: PartitionAssigner = () => ({ name: 'x', version: 0, assign: async () => [], protocol: () => ({ name: 'x', metadata: Buffer.alloc(0) }) })
  withJoinGate(inner, {
    groupId: 'g',
    revoke: options.revoke,
    generation: () => options.generation,
    heartbeatInterval: 40,
    maxHoldMs: options.maxHoldMs ?? 5000,
    sessionTimeout: 6000,
    logger: silentLogger,
  })({ cluster: cluster as never, groupId: 'g', logger: {} as never })
  return { cluster, calls }
}

test('a join waits until the revoke has run, heartbeating meanwhile', async () => {
  let revoked = false
  const revoke = new Promise<void>((resolve) => setTimeout(() => ((revoked = true), resolve()), 250))
  const { cluster, calls } = gated({ revoke: () => revoke, generation: { memberId: 'm-1', generationId: 7 } })
  await cluster.findGroupCoordinator({ groupId: 'g' })
  assert.equal(revoked, true, 'the coordinator lookup that starts a join returned only after the revoke')
  const heartbeats = calls.filter((c) => c === 'heartbeat m-1@7').length
  assert.ok(heartbeats >= 3, `${heartbeats} heartbeats while holding`)
  assert.equal(calls.at(-1), 'find g type=group', 'then the join goes ahead')
})

test('nothing owned, or a transaction coordinator lookup: no hold', async () => {
  const { cluster, calls } = gated({ revoke: () => undefined })
  await cluster.findGroupCoordinator({ groupId: 'g' })
  assert.deepEqual(calls, ['find g type=group'])
  const never = new Promise<void>(() => {})
  const other = gated({ revoke: () => never })
  await other.cluster.findGroupCoordinator({ groupId: 'tx', coordinatorType: 1 })
  assert.deepEqual(other.calls, ['find tx type=1'])
})

test('a poll that never comes holds the join only so long', async () => {
  const never = new Promise<void>(() => {})
  const { cluster } = gated({ revoke: () => never, generation: { memberId: 'm', generationId: 1 }, maxHoldMs: 150 })
  const started = Date.now()
  await cluster.findGroupCoordinator({ groupId: 'g' })
  const held = Date.now() - started
  assert.ok(held >= 140 && held < 1000, `held ${held} ms`)
})
