// TaskTimeout, the patience behind taskTimeoutMs (Kafka Streams' task.timeout.ms), on a fake clock.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { KafkaClientError } from '../../src/client/errors.ts'
import { TaskTimeout, TaskTimeoutError } from '../../src/runtime/task-timeout.ts'

const unreachable = new KafkaClientError('send: Connection error: connect ECONNREFUSED', { retriable: true })

/** Failures each arriving after the backoff asked for plus `callMs` (the failing call's own time); the error once it throws. */
function failUntilFatal(timeout: TaskTimeout, callMs: number, maxFailures = 50): { error: unknown; failures: number } {
  let now = 1_000_000
  for (let failures = 1; failures <= maxFailures; failures++) {
    try {
      now += timeout.failed(unreachable, now).backoffMs + callMs
    } catch (error) {
      return { error, failures }
    }
  }
  return { error: undefined, failures: maxFailures }
}

test('failures that never stop end in a TaskTimeoutError, whatever taskTimeoutMs is below the backoff cap', () => {
  // Found with the global stream thread's outage test: with taskTimeoutMs under 10 s the doubling
  // backoff reached taskTimeoutMs before the window did, the next failure looked "long after the
  // previous one", opened a new window, and the failures never became fatal.
  for (const timeoutMs of [300, 1000, 2000, 5000, 9000, 60_000]) {
    const { error, failures } = failUntilFatal(new TaskTimeout(timeoutMs), 50)
    assert.ok(error instanceof TaskTimeoutError, `taskTimeoutMs ${timeoutMs}: still no error after ${failures} failures`)
    assert.ok(error.cause === unreachable)
    assert.match(error.message, new RegExp(`^Tasks made no progress for \\d+ ms \\(${failures} retriable failures\\), longer than taskTimeoutMs ${timeoutMs}`))
  }
})

test('the error names who made no progress', () => {
  const { error } = failUntilFatal(new TaskTimeout(0, 'The global stream thread'), 0)
  assert.ok(error instanceof TaskTimeoutError)
  assert.match(error.message, /^The global stream thread made no progress for 0 ms \(1 retriable failures\), longer than taskTimeoutMs 0: send: Connection error/)
})

test('a success closes the window; a failure long after the previous one (past its backoff) opens a new one', () => {
  const timeout = new TaskTimeout(1000)
  let now = 0
  assert.equal(timeout.failed(unreachable, now).backoffMs, 500)
  assert.equal(timeout.waiting, true)
  timeout.succeeded()
  assert.equal(timeout.waiting, false)
  now += 5000
  assert.deepEqual(timeout.failed(unreachable, now), { backoffMs: 500, elapsedMs: 0 })
  // Quiet for longer than backoff + taskTimeoutMs (no commit in between, nothing to commit): a new window.
  now += 500 + 1000 + 1
  assert.deepEqual(timeout.failed(unreachable, now), { backoffMs: 500, elapsedMs: 0 })
  // Within the window: the failures add up, the backoff doubles.
  now += 600
  assert.deepEqual(timeout.failed(unreachable, now), { backoffMs: 1000, elapsedMs: 600 })
  now += 1000
  assert.throws(() => timeout.failed(unreachable, now), TaskTimeoutError)
})
