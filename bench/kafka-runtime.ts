/**
 * Kafka runtime benchmark (issue: Kafka runtime, item 8), against the local broker
 * (`npm run services:start`, or KAFKA_BROKERS), all in one run on the same records:
 *   (1) raw pipe: a kafkajs consumer → producer copying the input to a topic: the ceiling;
 *   (2) groupByKey().count() under at-least-once, and (3) under exactly-once;
 *   (4) restore of that count's changelog into a fresh state directory, beside (5) a raw read
 *       of the same changelog partitions with the same PartitionReader the restore uses.
 * (1)-(3) are timed from the start until the group's committed offsets reach the input's end
 * (startup and first rebalance included, as a user would see them); (4) from the first restore
 * start to the last restore end. Goals: count ALOS ≥ 0.7 × raw pipe; restore ≥ 0.8 × raw read.
 *
 *   node bench/kafka-runtime.ts [--records 100000] [--partitions 4] [--keys 1000]
 */
import { parseArgs } from 'node:util'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { createKafkaJsClient } from '../src/client/kafkajs/kafkajs-client.ts'
import { partitionKey, type TopicPartition } from '../src/client/port.ts'
import { silentLogger } from '../src/instrumentation/logger.ts'
import { KafkaStreams } from '../src/runtime/kafka-streams.ts'
import type { ProcessingGuarantee } from '../src/runtime/streams-config.ts'
import { Serdes } from '../src/serdes/serdes.ts'
import { StreamsBuilder } from '../src/topology/dsl/streams-builder.ts'

const { values: args } = parseArgs({
  options: { records: { type: 'string', default: '100000' }, partitions: { type: 'string', default: '4' }, keys: { type: 'string', default: '1000' } },
  // bench/run.ts passes every script the same flags; ignore the others'.
  strict: false,
})
const N = Number(args.records)
const PARTITIONS = Number(args.partitions)
const KEYS = Number(args.keys)
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')
const client = createKafkaJsClient({ brokers, clientId: 'bench' })
const admin = client.admin()
const run = `bench-${Date.now().toString(36)}`
const input = `${run}-in`
const created: string[] = [input]
const partitions = (topic: string): TopicPartition[] => Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition }))
const rate = (records: number, ms: number): number => Math.round((records / ms) * 1000)

async function waitCommitted(groupId: string): Promise<void> {
  const ends = await admin.endOffsets(partitions(input))
  for (;;) {
    const committed = await admin.committedOffsets(groupId, partitions(input))
    if ([...ends].every(([key, end]) => (committed.get(key) ?? 0) >= end)) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function rawPipe(): Promise<number> {
  const output = `${run}-raw-out`
  await admin.createTopics([{ name: output, numPartitions: PARTITIONS }])
  created.push(output)
  const kafka = new Kafka({ brokers, clientId: 'bench-raw', logLevel: logLevel.NOTHING })
  const consumer = kafka.consumer({ groupId: `${run}-raw`, maxWaitTimeInMs: 100 })
  const producer = kafka.producer()
  const started = performance.now()
  await Promise.all([consumer.connect(), producer.connect()])
  await consumer.subscribe({ topic: input, fromBeginning: true })
  // Offsets committed once a second, like the count's commit interval under at-least-once.
  const consumed = new Map<number, number>()
  const committer = setInterval(() => {
    const offsets = [...consumed].map(([partition, offset]) => ({ topic: input, partition, offset: String(offset) }))
    if (offsets.length > 0) consumer.commitOffsets(offsets).catch(() => {})
  }, 1000)
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: PARTITIONS,
    eachBatch: async ({ batch }) => {
      await producer.send({ topic: output, messages: batch.messages.map((m) => ({ key: m.key, value: m.value, partition: batch.partition })) })
      const last = batch.messages[batch.messages.length - 1]
      if (last) consumed.set(batch.partition, Number(last.offset) + 1)
    },
  })
  await waitCommitted(`${run}-raw`)
  const ms = performance.now() - started
  clearInterval(committer)
  await Promise.all([consumer.disconnect(), producer.disconnect()])
  return ms
}

function countTopology(output: string) {
  const builder = new StreamsBuilder()
  builder.stream<string, string>(input, { key: Serdes.string(), value: Serdes.string() }).groupByKey().count({ storeName: 'counts' }).toStream().to(output, { key: Serdes.string(), value: Serdes.long() })
  return builder.build()
}

async function count(guarantee: ProcessingGuarantee, stateDir: string): Promise<{ ms: number; applicationId: string }> {
  const applicationId = `${run}-${guarantee === 'at_least_once' ? 'alos' : 'eos'}`
  const output = `${applicationId}-out`
  await admin.createTopics([{ name: output, numPartitions: PARTITIONS }])
  created.push(output, `${applicationId}-counts-changelog`)
  const streams = new KafkaStreams(countTopology(output), {
    applicationId,
    kafka: { brokers, clientId: applicationId, consumer: { maxWaitTimeInMs: 100 } },
    stateDir,
    processingGuarantee: guarantee,
    commitIntervalMs: guarantee === 'at_least_once' ? 1000 : 100,
    logger: silentLogger,
  })
  const started = performance.now()
  await streams.start()
  await waitCommitted(applicationId)
  const ms = performance.now() - started
  await streams.close()
  return { ms, applicationId }
}

async function restore(applicationId: string, stateDir: string): Promise<{ ms: number; records: number }> {
  let first = 0
  let last = 0
  let records = 0
  const streams = new KafkaStreams(countTopology(`${applicationId}-out`), {
    applicationId,
    kafka: { brokers, clientId: `${applicationId}-restore` },
    stateDir,
    logger: silentLogger,
    restoreListener: {
      onRestoreStart: () => void (first ||= performance.now()),
      onRestoreEnd: (_tp, _store, total) => {
        records += total
        last = performance.now()
      },
    },
  })
  await streams.start()
  while (streams.state !== 'RUNNING') await new Promise((resolve) => setTimeout(resolve, 20))
  await streams.close()
  return { ms: last - first, records }
}

async function rawRead(changelog: string): Promise<{ ms: number; records: number }> {
  const reader = client.partitionReader({ isolationLevel: 'read_uncommitted' })
  const ends = await admin.endOffsets(partitions(changelog))
  const started = performance.now()
  let records = 0
  await Promise.all(partitions(changelog).map(async (tp) => {
    for await (const batch of reader.read(tp, 0, ends.get(partitionKey(changelog, tp.partition)) ?? 0)) records += batch.length
  }))
  const ms = performance.now() - started
  await reader.close()
  return { ms, records }
}

const dirs: string[] = []
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), 'kstreams-bench-'))
  dirs.push(d)
  return d
}
try {
  await admin.createTopics([{ name: input, numPartitions: PARTITIONS }])
  const producer = client.producer({})
  await producer.connect()
  for (let i = 0; i < N; i += 5000) {
    await producer.send(Array.from({ length: Math.min(5000, N - i) }, (_, j) => ({ topic: input, key: Buffer.from(`key-${(i + j) % KEYS}`), value: Buffer.from(`value-${i + j}`), timestamp: Date.now() })))
  }
  await producer.close()
  console.log(`${N} records, ${PARTITIONS} partitions, ${KEYS} keys, broker ${brokers.join(',')}`)

  const raw = await rawPipe()
  const alos = await count('at_least_once', dir())
  const eos = await count('exactly_once', dir())
  const restored = await restore(alos.applicationId, dir())
  const read = await rawRead(`${alos.applicationId}-counts-changelog`)
  const rows: Array<[string, number, string]> = [
    ['raw kafkajs consume → produce (ceiling)', rate(N, raw), ''],
    ['count, at_least_once', rate(N, alos.ms), `${(raw / alos.ms).toFixed(2)} × raw pipe (goal ≥ 0.70)`],
    ['count, exactly_once', rate(N, eos.ms), `${(raw / eos.ms).toFixed(2)} × raw pipe`],
    ['raw changelog read (PartitionReader)', rate(read.records, read.ms), `${read.records} records`],
    ['restore into RocksDB', rate(restored.records, restored.ms), `${(rate(restored.records, restored.ms) / rate(read.records, read.ms)).toFixed(2)} × raw read (goal ≥ 0.80), ${restored.records} records`],
  ]
  for (const [name, perSecond, note] of rows) console.log(`${name.padEnd(42)} ${String(perSecond).padStart(9)} records/s  ${note}`)
} finally {
  await admin.deleteTopics(created).catch(() => {})
  await admin.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
}
