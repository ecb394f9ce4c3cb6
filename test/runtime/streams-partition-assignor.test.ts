import { test } from 'node:test'
import assert from 'node:assert/strict'
import { StreamsPartitionAssignor } from '../../src/runtime/streams-partition-assignor.ts'
import { compile } from '../../src/topology/compile.ts'
import { Topology } from '../../src/topology/topology.ts'

/** Sub-topology 0 reads a (4 partitions) and b (2 partitions) together; sub-topology 1 reads c. */
function topology() {
  const t = new Topology()
  t.addSource('a', 'a')
  t.addSource('b', 'b')
  t.addProcessor('merge', () => ({ process() {} }), 'a', 'b')
  t.addSource('c', 'c')
  t.addProcessor('other', () => ({ process() {} }), 'c')
  return compile(t, 'app')
}

const topics = new Map([
  ['a', 4],
  ['b', 2],
  ['c', 2],
])

const member = (id: string, info?: { active?: string[]; state?: string[] }) => ({
  memberId: id,
  userData: info ? Buffer.from(JSON.stringify({ version: 1, active: info.active ?? [], state: info.state ?? [] })) : Buffer.alloc(0),
})

function decode(result: Map<string, { userData: Buffer }>): Map<string, string[]> {
  return new Map([...result].map(([id, a]) => [id, JSON.parse(a.userData.toString()).active as string[]]))
}

test('assigns tasks, keeping all partitions of a task together even with unequal partition counts', () => {
  const assignor = new StreamsPartitionAssignor(topology(), () => ({ active: [], state: [] }))
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
  const assignor = new StreamsPartitionAssignor(topology(), () => ({ active: [], state: [] }))
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

test('a member with a task\'s state on disk gets it before others', () => {
  const assignor = new StreamsPartitionAssignor(topology(), () => ({ active: [], state: [] }))
  const result = decode(assignor.assign({ members: [member('m1'), member('m2', { state: ['1_1', '0_3'] })], topics }))
  assert.ok(result.get('m2')!.includes('1_1'))
  assert.ok(result.get('m2')!.includes('0_3'))
})

test('the member side: subscription user data reports local tasks; onAssignment exposes the task ids', () => {
  const assignor = new StreamsPartitionAssignor(topology(), () => ({ active: ['0_1'], state: ['0_1', '1_0'] }))
  assert.deepEqual(JSON.parse(assignor.subscriptionUserData().toString()), { version: 1, active: ['0_1'], state: ['0_1', '1_0'] })
  assignor.onAssignment(Buffer.from(JSON.stringify({ version: 1, active: ['1_0', '0_2'] })))
  assert.deepEqual(assignor.assignedTasks, ['1_0', '0_2'])
})
