import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { ConsumerRecord } from '../../../src/client/port.ts'
import type { Logger } from '../../../src/instrumentation/logger.ts'
import { bridgeLogs, KAFKAJS_LEVELS } from '../../../src/client/kafkajs/log-bridge.ts'
import { recordingConsumer } from '../embedded-helpers.ts'
import { ready, skip, str, testClient, unique, withTopics } from './helpers.ts'

interface Line {
  readonly level: string
  readonly msg: string
}

function capturingLogger(lines: Line[]): Logger {
  const at = (level: string) => (_obj: object, msg?: string) => void lines.push({ level, msg: msg ?? '' })
  const logger: Logger = { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger }
  return logger
}

const CONCURRENT = 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing'
const concurrent = (line: Line) => line.msg.includes('another concurrent operation on the same transaction')

describe('kafkajs adapter: CONCURRENT_TRANSACTIONS after a commit', () => {
  it('the log bridge demotes the producer’s retried CONCURRENT_TRANSACTIONS to debug; other producer errors stay errors', () => {
    const lines: Line[] = []
    const log = bridgeLogs(capturingLogger(lines))(KAFKAJS_LEVELS.error)
    const entry = (message: string) => ({ namespace: 'Producer', level: KAFKAJS_LEVELS.error, label: 'ERROR', log: { timestamp: '', logger: 'kafkajs', message } })
    log(entry(`Failed to send messages: ${CONCURRENT}`))
    log(entry('Failed to send messages: This server is not the leader for that topic-partition'))
    assert.deepEqual(lines.map((l) => l.level), ['debug', 'error'])
  })

  const lines: Line[] = []
  const client = testClient({ logger: capturingLogger(lines) })
  const topic = unique('ct-out')
  let dropTopics: () => Promise<void> = async () => {}
  before(async () => {
    if (!ready()) return
    dropTopics = await withTopics(client, [{ name: topic, numPartitions: 2 }])
  })
  after(async () => {
    await client.closeAll()
    await dropTopics()
  })

  it('on the broker: back-to-back transactions meet it, retry it quietly, and commit every record once', { skip, timeout: 120_000 }, async () => {
    const producer = client.producer({ transactionalId: unique('ct-tx') })
    await producer.connect()
    const group = unique('ct-group')
    let sent = 0
    // A send right after the previous commit meets the error while that transaction's markers
    // are being written; how often depends on the broker, so go on until it happened.
    for (let i = 0; i < 400 && !lines.some(concurrent); i++) {
      await producer.beginTransaction()
      await producer.send([{ topic, partition: i % 2, key: str(`k${i}`), value: str(`v${i}`), timestamp: Date.now() }])
      await producer.sendOffsets(group, [{ topic, partition: 0, offset: i + 1 }])
      await producer.commitTransaction()
      sent++
    }
    assert.ok(lines.some(concurrent), `no send met CONCURRENT_TRANSACTIONS in ${sent} transactions`)
    assert.deepEqual(lines.filter((l) => l.level === 'warn' || l.level === 'error'), [])

    const { consumer } = recordingConsumer(client, { groupId: unique('ct-reader'), topics: [topic], isolationLevel: 'read_committed', autoOffsetReset: 'earliest' })
    await consumer.connect()
    const records: ConsumerRecord[] = []
    const deadline = Date.now() + 30_000
    while (records.length < sent && Date.now() < deadline) records.push(...(await consumer.poll(100)))
    const values = records.map((r) => r.value!.toString()).sort()
    assert.deepEqual(values, Array.from({ length: sent }, (_, i) => `v${i}`).sort())
  })
})
