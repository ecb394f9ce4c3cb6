/**
 * The embedded broker's share of an engine run, without the task: a consumer polls a preloaded
 * input topic and, per input record, a task's record collector sends what a count would (a
 * changelog record and a sink record) through the shared producer. Deterministic (no timers), so
 * it also serves for instruction counts under valgrind; `--preload-only` gives the fixed part.
 *
 *   node bench/broker.ts [--records 1000000] [--keys 10000] [--outputs 2] [--preload-only]
 */
import { parseArgs } from 'node:util'
import { createEmbeddedKafka, Serdes } from '../src/index.ts'
import type { ProducerRecord } from '../src/client/port.ts'
import { ProducerRecordCollector } from '../src/runtime/producer-record-collector.ts'
import { StreamsProducer } from '../src/runtime/streams-producer.ts'

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    keys: { type: 'string', default: '10000' },
    outputs: { type: 'string', default: '2' },
    'preload-only': { type: 'boolean', default: false },
  },
})
const N = Number(args.records)
const KEYS = Number(args.keys)
const OUTPUTS = Number(args.outputs)

const kafka = createEmbeddedKafka()
kafka.createTopic('input', 1)
kafka.createTopic('output', 1)
kafka.createTopic('changelog', 1, { 'cleanup.policy': 'compact' })
const keys: Buffer[] = []
for (let k = 0; k < KEYS; k++) keys.push(Serdes.string().serialize('input', `key-${k}`))
const loader = kafka.producer({})
await loader.connect()
for (let i = 0; i < N; i += 10_000) {
  const batch: ProducerRecord[] = []
  for (let j = i; j < Math.min(N, i + 10_000); j++) batch.push({ topic: 'input', key: keys[j % KEYS]!, value: Serdes.long().serialize('input', j), timestamp: 1_700_000_000_000 + j })
  await loader.send(batch)
}
if (args['preload-only']) process.exit(0)

const producer = new StreamsProducer(kafka)
await producer.connect()
const collector = new ProducerRecordCollector({ producer, partitions: () => 1, partitionFor: (key, n) => kafka.partitionFor(key, n) })
const consumer = kafka.consumer({
  groupId: 'bench',
  topics: ['input'],
  isolationLevel: 'read_uncommitted',
  autoOffsetReset: 'earliest',
  rebalanceListener: { onPartitionsAssigned() {}, onPartitionsRevoked() {} },
})
await consumer.connect()
const cpu0 = process.cpuUsage()
const t0 = performance.now()
let consumed = 0
while (consumed < N) {
  const records = await consumer.poll(0)
  for (const r of records) {
    if (OUTPUTS > 1) collector.send({ topic: 'changelog', partition: 0, key: r.key, value: r.value, timestamp: r.timestamp })
    if (OUTPUTS > 0) collector.send({ topic: 'output', key: r.key, value: r.value, timestamp: r.timestamp, headers: r.headers })
  }
  consumed += records.length
  collector.ship()
}
await collector.flush()
const seconds = (performance.now() - t0) / 1000
const cpu = process.cpuUsage(cpu0)
const written = kafka.log('output', 0)!.highWatermark + kafka.log('changelog', 0)!.highWatermark
console.log(`broker: records=${N} outputs/record=${OUTPUTS} ${Math.round(N / seconds).toLocaleString('en-US')} records/s, CPU s per 1M ${(((cpu.user + cpu.system) / 1e6 / N) * 1e6).toFixed(2)}, written ${written}`)
await consumer.close()
