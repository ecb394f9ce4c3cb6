import assert from 'node:assert/strict'
import { request } from 'node:http'
import { test } from 'node:test'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { startStreamsHttpServer } from '../../src/http/index.ts'
import { INPUT, app, closeAfter, produceLines, tempStateDir, waitFor } from '../runtime/helpers.ts'

/** A request with the target sent as written (fetch would normalize it). */
function send(port: number, method: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode!))
    })
    req.on('error', reject)
    req.end()
  })
}

test('odd request targets and methods get a 4xx (or their route), never a 500; the server answers on', async (t) => {
  using state = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic(INPUT, 2)
  const streams = app(kafka, state.dir, { applicationId: 'http-bad-requests' })
  closeAfter(t, streams)
  const server = await startStreamsHttpServer(streams)
  t.after(() => server.close())
  await streams.start()
  await produceLines(kafka, ['alpha beta'])
  await waitFor(() => streams.state === 'RUNNING' && streams.store<string, number>('counts').get('alpha') === 1, 10_000, 'counted')
  const port = Number(server.url.slice(server.url.lastIndexOf(':') + 1))
  const expected: Array<[string, string, number]> = [
    ['GET', '//', 200], // a doubled slash is the page, not a URL with host ""
    ['GET', '//stores/counts/alpha', 200], // not host "stores", path /counts/alpha
    ['GET', '*', 400],
    ['GET', '/stores/counts/%', 400],
    ['GET', '/stores/%E0%A4%A', 400],
    ['GET', '/stores/counts?limit=1e3', 400],
    ['GET', '/stores/counts/all?from=a', 400],
    ['GET', '/stores/counts/a/b', 404],
    ['GET', '/stores/nope/x', 404],
    ['GET', '/%00', 404],
    ['HEAD', '/stores/counts/alpha', 200],
    ['POST', '/stores/counts/alpha', 405],
    ['DELETE', '/', 405],
  ]
  for (const [method, path, status] of expected) assert.equal(await send(port, method, path), status, `${method} ${path}`)
  assert.equal(await send(port, 'GET', '/livez'), 200)
})
