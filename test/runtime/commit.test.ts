import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CommitFailedError, ProducerFencedError } from '../../src/client/errors.ts'
import type { Consumer, TopicPartitionOffset } from '../../src/client/port.ts'
import type { ActiveTask } from '../../src/runtime/active-task.ts'
import { TaskMigratedError, commitTasks } from '../../src/runtime/commit.ts'

/** A stand-in task that records the order of the calls commitTasks makes. */
function fakeTask(id: string, log: string[], options: { commitNeeded?: boolean; state?: string; failCommitTxn?: Error } = {}) {
  return {
    id,
    state: options.state ?? 'running',
    task: {
      commitNeeded: options.commitNeeded ?? true,
      prepareCommit: (): TopicPartitionOffset[] => {
        log.push(`1:flush-stores:${id}`)
        return [{ topic: 'in', partition: Number(id.split('_')[1]), offset: 10 }]
      },
      postCommit: () => log.push(`4:post-commit:${id}`),
    },
    collector: {
      flush: async () => {
        await new Promise((r) => setTimeout(r, 5))
        log.push(`2:flush-producer:${id}`)
      },
    },
    producer: {
      commitTransaction: async (group: string, offsets: TopicPartitionOffset[]) => {
        if (options.failCommitTxn) throw options.failCommitTxn
        log.push(`3:txn-commit:${id}:${group}:${offsets.map((o) => o.offset)}`)
      },
    },
    writeCheckpoint: () => log.push(`4:checkpoint:${id}`),
  } as unknown as ActiveTask
}

function fakeConsumer(log: string[], fail?: Error): Consumer {
  return {
    commit: async (offsets: ReadonlyArray<TopicPartitionOffset>) => {
      if (fail) throw fail
      log.push(`3:consumer-commit:${offsets.map((o) => `${o.topic}-${o.partition}@${o.offset}`).join(',')}`)
    },
  } as unknown as Consumer
}

test('at-least-once: stores, then producer, then one offset commit, then checkpoints', async () => {
  const log: string[] = []
  const tasks = [fakeTask('0_0', log), fakeTask('0_1', log), fakeTask('0_2', log, { commitNeeded: false }), fakeTask('0_3', log, { state: 'restoring' })]
  const n = await commitTasks(tasks, { exactlyOnce: false, groupId: 'app', consumer: fakeConsumer(log), checkpoint: true })
  assert.equal(n, 2)
  assert.deepEqual(log, [
    '1:flush-stores:0_0',
    '1:flush-stores:0_1',
    '2:flush-producer:0_0',
    '2:flush-producer:0_1',
    '3:consumer-commit:in-0@10,in-1@10',
    '4:post-commit:0_0',
    '4:checkpoint:0_0',
    '4:post-commit:0_1',
    '4:checkpoint:0_1',
  ])
})

test('exactly-once: each task commits its transaction with its offsets; no checkpoint while running', async () => {
  const log: string[] = []
  await commitTasks([fakeTask('1_0', log), fakeTask('1_1', log)], { exactlyOnce: true, groupId: 'app', consumer: fakeConsumer(log), checkpoint: false })
  assert.deepEqual(log.filter((l) => l.startsWith('3:')).sort(), ['3:txn-commit:1_0:app:10', '3:txn-commit:1_1:app:10'])
  assert.equal(log.some((l) => l.includes('checkpoint')), false)
  assert.equal(log.some((l) => l.includes('consumer-commit')), false)
})

test('a fenced producer, a refused offset commit or an ambiguous transaction commit is reported as a task migration', async () => {
  const log: string[] = []
  await assert.rejects(
    commitTasks([fakeTask('0_0', log, { failCommitTxn: new ProducerFencedError('fenced') })], { exactlyOnce: true, groupId: 'app', consumer: fakeConsumer(log), checkpoint: false }),
    TaskMigratedError,
  )
  await assert.rejects(
    commitTasks([fakeTask('0_0', log)], { exactlyOnce: false, groupId: 'app', consumer: fakeConsumer(log, new CommitFailedError('gone')), checkpoint: true }),
    TaskMigratedError,
  )
  assert.equal(log.some((l) => l.includes('checkpoint')), false, 'no checkpoint after a failed commit')
  const ambiguous = Object.assign(new Error('timed out'), { name: 'TransactionCommitAmbiguousError' })
  await assert.rejects(
    commitTasks([fakeTask('0_0', log, { failCommitTxn: ambiguous })], { exactlyOnce: true, groupId: 'app', consumer: fakeConsumer(log), checkpoint: false }),
    TaskMigratedError,
  )
  await assert.rejects(
    commitTasks([fakeTask('0_0', [])], { exactlyOnce: false, groupId: 'app', consumer: fakeConsumer([], new Error('disk full')), checkpoint: true }),
    /disk full/,
  )
})

test('a crash hook after a step abandons the rest of the commit', async () => {
  const log: string[] = []
  const n = await commitTasks([fakeTask('0_0', log)], {
    exactlyOnce: true,
    groupId: 'app',
    consumer: fakeConsumer(log),
    checkpoint: false,
    afterStep: (step) => step === 2,
  })
  assert.equal(n, 0)
  assert.deepEqual(log, ['1:flush-stores:0_0', '2:flush-producer:0_0'])
})
