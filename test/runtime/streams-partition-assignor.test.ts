import { test } from 'node:test'
import assert from 'node:assert/strict'
import { StreamsPartitionAssignor } from '../../src/runtime/streams-partition-assignor.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { Stores } from '../../src/state/stores.ts'
import { compile } from '../../src/topology/compile.ts'
import { Topology } from '../../src/topology/topology.ts'

/**
 * Sub-topology 0 reads a (4 partitions) and b (2 partitions) together and keeps a logged store
 * (its tasks are stateful); sub-topology 1 reads c, stateless.
 */
function topology() {
  const t = new Topology()
  t.addSource('a', 'a')
  t.addSource('b', 'b')
  t.addProcessor('merge', () => ({ process() {} }), 'a', 'b')
  t.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('s'), Serdes.string(), Serdes.string()), 'merge')
  t.addSource('c', 'c')
  t.addProcessor('other', () => ({ process() {} }), 'c')
  return compile(t, 'app')
}

const none = () => ({ active: [], state: {} })

const topics = new Map([
  ['a', 4],
  ['b', 2],
  ['c', 2],
])

const member = (id: string, info?: { active?: string[]; state?: { [task: string]: number }; server?: string }) => ({
  memberId: id,
  userData: info ? Buffer.from(JSON.stringify({ version: 2, active: info.active ?? [], state: info.state ?? {}, ...(info.server ? { server: info.server } : {}) })) : Buffer.alloc(0),
})

function decode(result: Map<string, { userData: Buffer }>, field: 'active' | 'standby' = 'active'): Map<string, string[]> {
  return new Map([...result].map(([id, a]) => [id, JSON.parse(a.userData.toString())[field] as string[]]))
}

test('assigns tasks, keeping all partitions of a task together even with unequal partition counts', () => {
  const assignor = new StreamsPartitionAssignor(topology(), none)
  const result = assignor.assign({ members: [member('m1'), member('m2')], topics })
  const tasks = decode(result)
  assert.deepEqual([...tasks.values()].flat().sort(), ['0_0', '0_1', '0_2', '0_3', '1_0', '1_1'])
  for (const [id, a] of result) {
    const owned = tasks.get(id)!
    for (const p of a.partitions) {
      const task = p.topic === 'c' ? `1_${p.partition}` : `0_${p.partition}`
      assert.ok(owned.includes(task), `${p.topic}-${p.partition} belongs to a task of ${id}`)
    }
    // Task 0_1 reads a-1 and b-1: both go to its owner.
    if (owned.includes('0_1')) {
      assert.ok(a.partitions.some((p) => p.topic === 'a' && p.partition === 1))
      assert.ok(a.partitions.some((p) => p.topic === 'b' && p.partition === 1))
    }
    if (owned.includes('0_3')) assert.ok(!a.partitions.some((p) => p.topic === 'b' && p.partition === 3), 'b has no partition 3')
  }
  assert.deepEqual([...tasks.values()].map((t) => t.length), [3, 3])
})

test('sticky: tasks stay with their previous owner, within balance', () => {
  const assignor = new StreamsPartitionAssignor(topology(), none)
  const result = decode(
    assignor.assign({
      members: [member('m1', { active: ['0_0', '0_1', '0_2', '0_3', '1_0', '1_1'] }), member('m2', { active: [] }), member('m3')],
      topics,
    }),
  )
  assert.deepEqual(result.get('m1'), ['0_0', '0_1'])
  assert.equal(result.get('m2')!.length, 2)
  assert.equal(result.get('m3')!.length, 2)
  const again = decode(
    assignor.assign({
      members: [member('m1', { active: result.get('m1')! }), member('m2', { active: result.get('m2')! }), member('m3', { active: result.get('m3')! })],
      topics,
    }),
  )
  assert.deepEqual(again, result, 'a stable group keeps its assignment')
})

test('a member with a task\'s state on disk gets it before others; the one furthest along first', () => {
  const assignor = new StreamsPartitionAssignor(topology(), none)
  const result = decode(assignor.assign({ members: [member('m1', { state: { '0_3': 10 } }), member('m2', { state: { '1_1': 5, '0_3': 40 } })], topics }))
  assert.ok(result.get('m2')!.includes('1_1'))
  assert.ok(result.get('m2')!.includes('0_3'))
})

test('balanced: task counts differ by at most one, even when previous owners would keep more', () => {
  const assignor = new StreamsPartitionAssignor(topology(), none)
  const result = decode(assignor.assign({
    members: [member('m1', { active: ['0_0', '0_1'] }), member('m2', { active: ['0_2', '0_3'] }), member('m3', { active: ['1_0', '1_1'] }), member('m4')],
    topics,
  }))
  const sizes = [...result.values()].map((t) => t.length).sort()
  assert.deepEqual(sizes, [1, 1, 2, 2])
  assert.equal(new Set([...result.values()].flat()).size, 6)
})

test('standbys: stateful tasks only, never on the active owner, preferring members with the state', () => {
  const assignor = new StreamsPartitionAssignor(topology(), none, { numStandbyReplicas: 1 })
  const result = assignor.assign({ members: [member('m1', { active: ['0_0', '0_1', '1_0'] }), member('m2', { active: ['0_2', '0_3', '1_1'], state: { '0_0': 7 } })], topics })
  const active = decode(result)
  const standby = decode(result, 'standby')
  assert.deepEqual(active.get('m1'), ['0_0', '0_1', '1_0'])
  assert.deepEqual(standby.get('m1'), ['0_2', '0_3'])
  assert.deepEqual(standby.get('m2'), ['0_0', '0_1'])
  // Two standbys asked, one other member: one standby each.
  const two = new StreamsPartitionAssignor(topology(), none, { numStandbyReplicas: 2 })
  const again = decode(two.assign({ members: [member('m1'), member('m2')], topics }), 'standby')
  assert.equal([...again.values()].flat().length, 4)
  // When the owner goes, the member holding the standby's state takes the task.
  const promoted = decode(assignor.assign({ members: [member('m2', { active: ['0_2', '0_3'], state: { '0_0': 7 } }), member('m3')], topics }))
  assert.deepEqual(promoted.get('m2'), ['0_0', '0_2', '0_3'])
})

test('hosts: every member learns which application server runs which tasks', () => {
  const assignor = new StreamsPartitionAssignor(topology(), none, { numStandbyReplicas: 1 })
  const result = assignor.assign({ members: [member('m1', { server: 'a:1' }), member('m2', { server: 'b:2' })], topics })
  const hosts = JSON.parse(result.get('m1')!.userData.toString()).hosts
  assert.deepEqual(Object.keys(hosts).sort(), ['a:1', 'b:2'])
  assert.deepEqual([...hosts['a:1'].active, ...hosts['b:2'].active].sort(), ['0_0', '0_1', '0_2', '0_3', '1_0', '1_1'])
  assert.deepEqual(hosts['a:1'].standby, decode(result, 'standby').get('m1'))
  assert.deepEqual(JSON.parse(result.get('m2')!.userData.toString()).hosts, hosts)
})

test('the member side: subscription user data reports local tasks and server; onAssignment exposes tasks, standbys, hosts', () => {
  const assignor = new StreamsPartitionAssignor(topology(), () => ({ active: ['0_1'], state: { '0_1': 3, '1_0': -1 } }), { applicationServer: 'h:9' })
  assert.deepEqual(JSON.parse(assignor.subscriptionUserData().toString()), { version: 2, active: ['0_1'], state: { '0_1': 3, '1_0': -1 }, server: 'h:9' })
  assignor.onAssignment(Buffer.from(JSON.stringify({ version: 2, active: ['1_0', '0_2'], standby: ['0_0'], hosts: { 'h:9': { active: ['1_0', '0_2'], standby: ['0_0'] } } })))
  assert.deepEqual(assignor.assignedTasks, ['1_0', '0_2'])
  assert.deepEqual(assignor.assignedStandbys, ['0_0'])
  assert.deepEqual(assignor.hosts['h:9']?.standby, ['0_0'])
})
