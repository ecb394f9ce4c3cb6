import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { startStreamsHttpServer } from '../../src/http/index.ts'
import { INPUT, app, closeAfter, produceLines, tempStateDir, waitFor } from '../runtime/helpers.ts'
import { get } from './fetch.ts'

const WORDS = 2000

/**
 * While a task restores its store from the changelog, its keys are not answered as missing: key
 * and range queries are 503 with Retry-After, and `/readyz` is 503 too; once the restore is done,
 * the restored values answer. The restore is made long on purpose (10 records per read, a few
 * busy milliseconds per batch), so the queries are asked between its steps.
 */
test('a store still restoring answers 503 with Retry-After, then the restored values', async (t) => {
  using firstState = tempStateDir()
  using secondState = tempStateDir()
  const kafka = createEmbeddedKafka({ readerBatchSize: 10 })
  kafka.createTopic(INPUT, 1)
  const first = app(kafka, firstState.dir, { applicationId: 'http-restoring' })
  closeAfter(t, first)
  await first.start()
  await produceLines(kafka, Array.from({ length: WORDS }, (_, i) => `w${i}`))
  await waitFor(() => first.state === 'RUNNING' && first.store<string, number>('counts').get(`w${WORDS - 1}`) === 1, 20_000, 'first instance counted')
  assert.equal(await first.close({ timeoutMs: 10_000 }), true)

  // A new instance with empty local state: the in-memory store is rebuilt from its changelog.
  let restoring = false
  const second = app(kafka, secondState.dir, {
    applicationId: 'http-restoring',
    restoreListener: {
      onRestoreStart: () => {
        restoring = true
      },
      onBatchRestored: () => {
        const until = Date.now() + 5
        while (Date.now() < until) {
          // a slow disk
        }
      },
    },
  })
  closeAfter(t, second)
  const server = await startStreamsHttpServer(second)
  t.after(() => server.close())
  await second.start()
  await waitFor(() => restoring, 20_000, 'the restore to start')
  const restoreStarted = Date.now()

  const key = await get(server.url, '/stores/counts/w1')
  assert.equal(key.status, 503, key.text)
  assert.equal(key.headers.get('retry-after'), '1')
  assert.match(key.json.error, /not running on this instance right now|not queryable on this instance right now/)
  const all = await get(server.url, '/stores/counts/all')
  assert.equal(all.status, 503, all.text)
  assert.equal(all.headers.get('retry-after'), '1')
  assert.equal((await get(server.url, '/readyz')).status, 503)

  await waitFor(() => second.state === 'RUNNING' && second.activeTasks().length === 2, 60_000, 'the restore to end')
  t.diagnostic(`RUNNING ${Date.now() - restoreStarted} ms after the restore started`)
  const restored = await get(server.url, '/stores/counts/w1')
  assert.equal(restored.status, 200, restored.text)
  assert.equal(restored.json.value, 1)
  assert.equal((await get(server.url, '/stores/counts/all?limit=5000')).json.count, WORDS)
})
