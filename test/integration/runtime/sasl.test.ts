import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { silentLogger } from '../../../src/instrumentation/logger.ts'
import { KafkaStreams } from '../../../src/runtime/kafka-streams.ts'
import { Serdes } from '../../../src/serdes/serdes.ts'
import { StreamsBuilder } from '../../../src/topology/dsl/streams-builder.ts'
import { AppProcess, killAfter, stateDirs } from './apps.ts'
import { unique } from './broker.ts'

/** The broker's SASL_PLAINTEXT (PLAIN) listener, users in infra/kafka/server.properties. */
const SASL_BROKERS = (process.env.KAFKA_SASL_BROKERS ?? `127.0.0.1:${process.env.KAFKA_SASL_PORT ?? 9094}`).split(',')
const GOOD = { mechanism: 'plain' as const, username: 'kstreams', password: 'kstreams-secret' }

const problem = await new Promise<string | undefined>((resolve) => {
  const at = SASL_BROKERS[0]!.lastIndexOf(':')
  const socket = connect({ host: SASL_BROKERS[0]!.slice(0, at), port: Number(SASL_BROKERS[0]!.slice(at + 1)), timeout: 2000 })
  socket.once('connect', () => (socket.destroy(), resolve(undefined)))
  socket.once('timeout', () => (socket.destroy(), resolve('timed out')))
  socket.once('error', (error) => resolve(error.message))
})
const isCI = process.env.CI === 'true' || process.env.CI === '1'
const skip = problem !== undefined && !isCI ? `no SASL listener at ${SASL_BROKERS[0]} (${problem}); run \`npm run services:start\`` : false

function topology(input: string, output: string) {
  const builder = new StreamsBuilder()
  builder.stream<string, string>(input, { key: Serdes.string(), value: Serdes.string() }).groupByKey().count({ storeName: 'counts' }).toStream().to(output, { key: Serdes.string(), value: Serdes.long() })
  return builder.build()
}

test('a SASL/PLAIN listener: an app with the right credentials counts; wrong credentials end start() with an authentication error, not a hang or a retry loop', { skip, timeout: 120_000 }, async (t) => {
  if (problem !== undefined) throw new Error(`CI=true requires the SASL listener at ${SASL_BROKERS[0]}: ${problem}`)
  const dirs = stateDirs()
  t.after(() => dirs.dispose())
  const applicationId = unique('sasl')
  const input = `${applicationId}-in`
  const output = `${applicationId}-out`
  // The topics, the app and the check all go through the secured listener.
  const { createKafkaJsClient } = await import('../../../src/client/kafkajs/kafkajs-client.ts')
  const client = createKafkaJsClient({ brokers: SASL_BROKERS, sasl: GOOD })
  const admin = client.admin()
  await admin.createTopics([{ name: input, numPartitions: 2 }, { name: output, numPartitions: 2 }])
  t.after(async () => {
    await admin.deleteTopics([input, output, `${applicationId}-counts-changelog`]).catch(() => {})
    await admin.close()
  })

  const app = new AppProcess('sasl', { applicationId, brokers: SASL_BROKERS, input, output, stateDir: dirs.make(), sasl: GOOD })
  killAfter(t, [app])
  await app.waitForState('RUNNING')
  const producer = client.producer({})
  await producer.connect()
  await producer.send(Array.from({ length: 30 }, (_, i) => ({ topic: input, key: Buffer.from(`k${i % 3}`), value: Buffer.from('x'), timestamp: Date.now() })))
  await producer.close()
  const reader = client.partitionReader({ isolationLevel: 'read_uncommitted' })
  const counts = new Map<string, number>()
  const deadline = Date.now() + 30_000
  while (!(counts.size === 3 && [...counts.values()].every((n) => n === 10)) && Date.now() < deadline) {
    const ends = await admin.endOffsets([0, 1].map((partition) => ({ topic: output, partition })))
    for (const partition of [0, 1]) {
      for await (const batch of reader.read({ topic: output, partition }, 0, ends.get(`${output}:${partition}`) ?? 0)) {
        for (const r of batch) counts.set(r.key!.toString(), Number(r.value!.readBigInt64BE()))
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 300))
  }
  await reader.close()
  assert.deepEqual([...counts].sort(), [['k0', 10], ['k1', 10], ['k2', 10]])
  await app.close()

  const wrong = new KafkaStreams(topology(input, output), {
    applicationId: `${applicationId}-wrong`,
    kafka: { brokers: SASL_BROKERS, sasl: { ...GOOD, password: 'not-the-password' } },
    stateDir: dirs.make(),
    logger: silentLogger,
  })
  const started = Date.now()
  await assert.rejects(wrong.start(), (error: Error) => {
    assert.match(`${error.message} ${String((error.cause as Error | undefined)?.message)}`, /SASL|[Aa]uthentication/)
    return true
  })
  assert.ok(Date.now() - started < 15_000, `failed within ${Date.now() - started} ms`)
  assert.equal(wrong.state, 'ERROR')
})
