/**
 * The web view in a real browser: Debian's `chromium` (installed by .ci/run) driven by
 * playwright-core, against a running app with input flowing. The page must draw the topology
 * (every node and store name in the SVG) and show a non-zero throughput computed from the
 * metrics it polls. Without chromium the test is skipped with the reason — except under CI=true,
 * where a missing browser is a failure.
 */
import { existsSync } from 'node:fs'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chromium } from 'playwright-core'
import { createEmbeddedKafka } from '../../src/client/embedded/embedded-kafka.ts'
import { startStreamsHttpServer } from '../../src/http/index.ts'
import { INPUT, app, closeAfter, tempStateDir, waitFor } from '../runtime/helpers.ts'

const CHROMIUM = process.env.KSTREAMS_CHROMIUM ?? '/usr/bin/chromium'
const isCI = process.env.CI === 'true' || process.env.CI === '1'
const missing = existsSync(CHROMIUM) ? undefined : `no chromium at ${CHROMIUM} (apt-get install -y chromium, or set KSTREAMS_CHROMIUM)`
const skip: string | false = missing !== undefined && !isCI ? `web view: ${missing}` : false

test('the web view draws the topology and shows live throughput in headless Chromium', { skip, timeout: 120_000 }, async (t) => {
  if (missing !== undefined) throw new Error(`CI=true requires chromium for the web view test: ${missing}`)
  using state = tempStateDir()
  const kafka = createEmbeddedKafka()
  kafka.createTopic(INPUT, 2)
  const streams = app(kafka, state.dir, { applicationId: 'http-web-view' })
  closeAfter(t, streams)
  const server = await startStreamsHttpServer(streams, { token: 'web-view-token' })
  t.after(() => server.close())
  await streams.start()

  // Input keeps flowing while the page polls, so the rate between two polls is above zero.
  let flowing = true
  const producer = kafka.producer({})
  await producer.connect()
  const feeding = (async () => {
    for (let i = 0; flowing; i++) {
      await producer.send(Array.from({ length: 20 }, (_, j) => ({ topic: INPUT, key: Buffer.from(`line-${i}-${j}`), value: Buffer.from(`alpha beta w${(i + j) % 9}`), timestamp: Date.now() })))
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()
  t.after(async () => {
    flowing = false
    await feeding
    await producer.close()
  })
  await waitFor(() => streams.state === 'RUNNING', 20_000, 'RUNNING')

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] })
  t.after(() => browser.close())
  const page = await browser.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  // The token travels in the URL fragment, which the browser never sends to the server.
  await page.goto(`${server.url}/#token=web-view-token`)

  await page.waitForSelector('svg [data-node="count"]', { timeout: 30_000 })
  const names = await page.$$eval('svg text.name', (texts) => texts.map((x) => x.textContent))
  for (const node of ['lines', 'split', 'to-words', 'words', 'count', 'out', 'counts']) assert.ok(names.includes(node), `${node} drawn (drawn: ${names.join(', ')})`)

  // Runs in the page (this project's TypeScript has no DOM types, hence the cast); a function,
  // not a string, which the page's Content-Security-Policy would refuse to evaluate.
  await page.waitForFunction(() => Number((globalThis as any).document.getElementById('throughput')?.dataset.value) > 0, undefined, { timeout: 30_000, polling: 250 })
  const throughput = Number(await page.$eval('#throughput', (x) => x.getAttribute('data-value')))
  t.diagnostic(`throughput shown: ${await page.$eval('#throughput', (x) => x.textContent)} rec/s`)
  assert.ok(throughput > 0)
  assert.equal(await page.$eval('#state', (x) => x.textContent), 'RUNNING')
  // Per-node rates and the task table are filled from the same polls.
  const countLine = await page.$eval('svg [data-node="count"] text.metric', (x) => x.textContent)
  assert.match(countLine ?? '', /rec\/s/)
  const tasks = await page.$$eval('#tasks tr', (rows) => rows.map((r) => r.firstElementChild?.textContent))
  assert.deepEqual(tasks, ['0_0', '0_1', '1_0', '1_1'])
  assert.deepEqual(errors, [])
})
