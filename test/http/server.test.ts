import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { startStreamsHttpServer, StreamsHttpServer } from '../../src/http/index.ts'
import { INPUT, app, closeAfter, expectedCounts, produceLines, tempStateDir, waitFor } from '../runtime/helpers.ts'
import { get } from './fetch.ts'

const LINES = Array.from({ length: 30 }, (_, i) => `alpha beta w${i % 7} gamma`)

describe('the HTTP endpoint of one instance (embedded broker)', () => {
  test('probes, topology formats, key, range and all queries, and their errors', async (t) => {
    using state = tempStateDir()
    const kafka = createEmbeddedKafka()
    kafka.createTopic(INPUT, 2)
    const streams = app(kafka, state.dir, { applicationId: 'http-one' })
    closeAfter(t, streams)
    const server = await startStreamsHttpServer(streams)
    t.after(() => server.close())
    const base = server.url
    assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/)

    // Not started: alive, not ready, stores not queryable yet (503 with Retry-After).
    assert.equal((await get(base, '/livez')).status, 200)
    const notReady = await get(base, '/readyz')
    assert.equal(notReady.status, 503)
    assert.equal(notReady.json.state, 'CREATED')
    const early = await get(base, '/stores/counts/alpha')
    assert.equal(early.status, 503)
    assert.equal(early.headers.get('retry-after'), '1')
    assert.match(early.json.error, /not queryable on this instance right now/)

    await streams.start()
    await produceLines(kafka, LINES)
    const expected = expectedCounts(LINES)
    await waitFor(() => streams.state === 'RUNNING' && streams.store<string, number>('counts').get('gamma') === expected.get('gamma'), 10_000, 'counted')

    const ready = await get(base, '/readyz')
    assert.equal(ready.status, 200)
    assert.deepEqual(ready.json, { status: 'ready', state: 'RUNNING' })

    const text = await get(base, '/topology')
    assert.equal(text.status, 200)
    assert.equal(text.text, streams.topology.describe())
    const mermaid = await get(base, '/topology?format=mermaid')
    assert.equal(mermaid.text, streams.topology.toMermaid())
    const json = await get(base, '/topology?format=json')
    assert.deepEqual(json.json.subtopologies.map((s: { nodes: Array<{ name: string }> }) => s.nodes.map((n) => n.name)), [['lines', 'split', 'to-words'], ['words', 'count', 'out']])
    assert.deepEqual(json.json.subtopologies[0].nodes[2].topics, ['http-one-words-repartition'])
    assert.deepEqual(json.json.stores, [{ name: 'counts', subtopology: 1, changelogTopic: 'http-one-counts-changelog', queryable: true, global: false }])
    assert.equal((await get(base, '/topology?format=dot')).status, 400)

    const one = await get(base, '/stores/counts/alpha')
    assert.equal(one.status, 200)
    assert.equal(one.json.value, 30)
    assert.equal(one.json.key, 'alpha')
    const self = base.slice('http://'.length)
    assert.equal(one.json.servedBy, self)
    assert.equal(one.headers.get('x-kstreams-served-by'), self)
    // A key named "all" is asked for with ?key=.
    assert.equal((await get(base, '/stores/counts?key=w3')).json.value, expected.get('w3'))

    const missing = await get(base, '/stores/counts/nope')
    assert.equal(missing.status, 404)
    assert.equal(missing.json.value, null)
    assert.match(missing.json.error, /no value for key "nope"/)
    const unknown = await get(base, '/stores/nope/alpha')
    assert.equal(unknown.status, 404)
    assert.match(unknown.json.error, /no state store named "nope".*counts/)

    const all = await get(base, '/stores/counts/all')
    assert.equal(all.status, 200)
    assert.deepEqual(new Map(all.json.entries.map((e: { key: string; value: number }) => [e.key, e.value])), expected)
    assert.equal(all.json.truncated, false)
    const limited = await get(base, '/stores/counts/all?limit=3')
    assert.equal(limited.json.count, 3)
    assert.equal(limited.json.truncated, true)
    const range = await get(base, '/stores/counts?from=w0&to=w3')
    assert.deepEqual(range.json.entries.map((e: { key: string }) => e.key).sort(), ['w0', 'w1', 'w2', 'w3'])
    for (const bad of ['/stores/counts/all?limit=0', '/stores/counts/all?limit=x', '/stores/counts/all?from=a', '/stores/counts/%E0%A4%A']) {
      const answer = await get(base, bad)
      assert.equal(answer.status, 400, bad)
      assert.equal(typeof answer.json.error, 'string')
    }
    assert.equal((await get(base, '/nowhere')).status, 404)
    assert.equal((await fetch(`${base}/stores/counts/alpha`, { method: 'POST' })).status, 405)

    const status = await get(base, '/api/status')
    assert.equal(status.json.state, 'RUNNING')
    assert.equal(status.json.applicationId, 'http-one')
    assert.deepEqual(status.json.threads[0].activeTasks.map((x: { taskId: string }) => x.taskId), ['0_0', '0_1', '1_0', '1_1'])
    assert.deepEqual(status.json.threads[0].activeTasks[0].topicPartitions, [{ topic: INPUT, partition: 0 }])

    const page = await get(base, '/')
    assert.equal(page.status, 200)
    assert.match(page.headers.get('content-type')!, /^text\/html/)
    assert.match(page.text, /<svg|createElementNS/)
    assert.match(page.headers.get('content-security-policy')!, /connect-src 'self'/)

    await streams.close({ timeoutMs: 5000 })
    const dead = await get(base, '/livez')
    assert.equal(dead.status, 503)
    assert.equal(dead.json.state, 'NOT_RUNNING')
    assert.equal((await get(base, '/readyz')).status, 503)
  })

  test('a bearer token guards everything but the page and the probes', async (t) => {
    using state = tempStateDir()
    const kafka = createEmbeddedKafka()
    kafka.createTopic(INPUT, 1)
    const streams = app(kafka, state.dir, { applicationId: 'http-auth' })
    closeAfter(t, streams)
    const server = await startStreamsHttpServer(streams, { token: 's3cret' })
    t.after(() => server.close())
    const base = server.url
    for (const path of ['/topology', '/api/status', '/stores/counts/all', '/metrics']) {
      const none = await get(base, path)
      assert.equal(none.status, 401, path)
      assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="kstreams"')
      assert.equal((await get(base, path, { authorization: 'Bearer s3cre' })).status, 401, path)
      assert.equal((await get(base, path, { authorization: 'Basic s3cret' })).status, 401, path)
    }
    assert.equal((await get(base, '/topology', { authorization: 'Bearer s3cret' })).status, 200)
    assert.equal((await get(base, '/livez')).status, 200)
    assert.equal((await get(base, '/readyz')).status, 503)
    assert.equal((await get(base, '/')).status, 200)
    assert.throws(() => new StreamsHttpServer({ token: '' }), /token must not be empty/)
  })

  test('listen first, attach later: the address becomes the applicationServer; 503 until attached', async (t) => {
    using state = tempStateDir()
    const kafka = createEmbeddedKafka()
    kafka.createTopic(INPUT, 1)
    const server = new StreamsHttpServer({ routes: ({ path, query }) => (path[0] === 'hello' ? { hello: query.get('name') } : undefined) })
    t.after(() => server.close())
    const address = await server.listen()
    const detached = await get(server.url, '/api/status')
    assert.equal(detached.status, 503)
    assert.equal((await get(server.url, '/livez')).status, 200)
    const streams = app(kafka, state.dir, { applicationId: 'http-attach', applicationServer: address })
    closeAfter(t, streams)
    server.attach(streams)
    await streams.start()
    await produceLines(kafka, ['one two two'])
    await waitFor(() => streams.state === 'RUNNING' && streams.store<string, number>('counts').get('two') === 2, 10_000, 'counted')
    // With an applicationServer the key is routed by queryMetadataForKey: here, to this instance.
    const answer = await get(server.url, '/stores/counts/two')
    assert.equal(answer.status, 200)
    assert.equal(answer.json.servedBy, address)
    // The application's own routes come after the built-in ones.
    assert.deepEqual((await get(server.url, '/hello?name=x')).json, { hello: 'x' })
    assert.equal((await get(server.url, '/goodbye')).status, 404)
  })
})
