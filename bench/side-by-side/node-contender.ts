/**
 * One Node contender of `npm run bench` in its own process (so its CPU time and peak RSS are its
 * own): kstreams running a workload's topology, the raw kafkajs pipe (W0) or the raw changelog
 * read (W5). Same protocol as the Java peer (bench/java/.../Bench.java): prints
 * {"event":"started"} right before start, {"event":"running"} once running, a figures line for
 * W5, and stops when its stdin closes.
 *
 *   node bench/side-by-side/node-contender.ts --workload w1 --brokers b --app-id a --input t --output t
 *        [--table t] [--state-dir d] [--guarantee alos|eos] [--commit-ms 1000]
 */
import { parseArgs } from 'node:util'
import type { TopicPartition } from '../../src/client/port.ts'
import type { StreamsWorkload } from './topologies.ts'

// kstreams is imported only by the workloads that use it, and kafkajs only by the raw pipe: the
// raw pipe runs on kafkajs as a user would get it, kstreams with its adapter's changes to kafkajs
// (src/client/kafkajs/linear-grouping.ts, which must load before kafkajs does).

const { values: args } = parseArgs({
  options: {
    workload: { type: 'string' },
    brokers: { type: 'string' },
    'app-id': { type: 'string' },
    input: { type: 'string' },
    output: { type: 'string', default: '' },
    table: { type: 'string' },
    'state-dir': { type: 'string', default: '' },
    guarantee: { type: 'string', default: 'alos' },
    'commit-ms': { type: 'string', default: '1000' },
  },
})
const brokers = args.brokers!.split(',')
const input = args.input!
const event = (fields: object): void => void process.stdout.write(`${JSON.stringify(fields)}\n`)

/** Resolves when the bench script closes our stdin: its way of saying stop. */
const stopped = new Promise<void>((resolve) => {
  process.stdin.on('end', resolve).on('close', resolve).on('error', () => resolve())
  process.stdin.resume()
})

/** W0: kafkajs `eachBatch` → one `sendBatch` per batch, offsets committed once a second. */
async function rawPipe(): Promise<void> {
  const { Kafka, logLevel } = await import('kafkajs')
  const kafka = new Kafka({ brokers, clientId: args['app-id']!, logLevel: logLevel.NOTHING })
  const consumer = kafka.consumer({ groupId: args['app-id']! })
  const producer = kafka.producer()
  event({ event: 'started' })
  await Promise.all([consumer.connect(), producer.connect()])
  await consumer.subscribe({ topic: input, fromBeginning: true })
  const consumed = new Map<number, number>()
  const committer = setInterval(() => {
    const offsets = [...consumed].map(([partition, offset]) => ({ topic: input, partition, offset: String(offset) }))
    if (offsets.length > 0) consumer.commitOffsets(offsets).catch(() => {})
  }, 1000)
  consumer.on(consumer.events.GROUP_JOIN, () => event({ event: 'running' }))
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 8,
    eachBatch: async ({ batch }) => {
      const messages = batch.messages.map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp, partition: batch.partition }))
      await producer.sendBatch({ topicMessages: [{ topic: args.output!, messages }] })
      const last = batch.messages[batch.messages.length - 1]
      if (last) consumed.set(batch.partition, Number(last.offset) + 1)
    },
  })
  await stopped
  clearInterval(committer)
  await Promise.all([consumer.disconnect(), producer.disconnect()])
}

/** W5's reference: the changelog read with the same PartitionReader the restore uses. */
async function rawRead(): Promise<void> {
  const { createKafkaJsClient } = await import('../../src/client/kafkajs/kafkajs-client.ts')
  const { partitionKey } = await import('../../src/client/port.ts')
  const client = createKafkaJsClient({ brokers, clientId: args['app-id']! })
  const admin = client.admin()
  const metadata = await admin.describeTopics([input])
  const partitions: TopicPartition[] = Array.from({ length: metadata.get(input)!.numPartitions }, (_, partition) => ({ topic: input, partition }))
  const ends = await admin.endOffsets(partitions)
  const reader = client.partitionReader({ isolationLevel: 'read_uncommitted' })
  const started = performance.now()
  let records = 0
  await Promise.all(partitions.map(async (tp) => {
    for await (const batch of reader.read(tp, 0, ends.get(partitionKey(input, tp.partition)) ?? 0)) records += batch.length
  }))
  event({ event: 'read', ms: performance.now() - started, records })
  await reader.close()
  await admin.close()
  await stopped
}

async function runStreams(workload: StreamsWorkload): Promise<void> {
  const { KafkaStreams } = await import('../../src/runtime/kafka-streams.ts')
  const { silentLogger } = await import('../../src/instrumentation/logger.ts')
  const { buildTopology } = await import('./topologies.ts')
  let restoreStart = 0
  let restoreEnd = 0
  let restored = 0
  const streams = new KafkaStreams(buildTopology(workload, { input, output: args.output!, table: args.table }), {
    applicationId: args['app-id']!,
    kafka: { brokers, clientId: args['app-id']! },
    stateDir: args['state-dir']!,
    processingGuarantee: args.guarantee === 'eos' ? 'exactly_once' : 'at_least_once',
    commitIntervalMs: Number(args['commit-ms']),
    logger: silentLogger,
    restoreListener: {
      onRestoreStart: () => void (restoreStart ||= performance.now()),
      onRestoreEnd: (_tp, _store, total) => {
        restored += total
        restoreEnd = performance.now()
      },
    },
  })
  const running = new Promise<void>((resolve) => streams.on('stateChange', (now) => now === 'RUNNING' && resolve()))
  streams.on('error', (error) => event({ event: 'error', message: String(error) }))
  event({ event: 'started' })
  await streams.start()
  await running
  event({ event: 'running' })
  if (workload === 'w5') event({ event: 'restored', ms: restoreEnd - restoreStart, records: restored })
  await stopped
  await streams.close({ timeoutMs: 30_000 })
}

const workload = args.workload!
if (workload === 'w0') await rawPipe()
else if (workload === 'w5-read') await rawRead()
else await runStreams(workload as StreamsWorkload)
process.exit(0)
