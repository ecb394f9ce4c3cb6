/**
 * kafkajs' DefaultPartitioner (2.x; the old one is LegacyPartitioner) must place keyed records
 * exactly where the Java client does, `Utils.toPositive(Utils.murmur2(keyBytes)) % numPartitions`,
 * so a Java app and a kstreams app co-partition the same topics.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Partitioners } from 'kafkajs'
import { brokerFixture, uniqueName } from '../helpers/kafka.ts'
import type { BrokerFixture } from '../helpers/kafka.ts'
import { integrationServices } from '../helpers/services.ts'

const services = await integrationServices()

/**
 * Java murmur2 vectors: Kafka's clients UtilsTest.testMurmur2, plus the digit strings Akka's
 * Murmur2Spec checks against Kafka's implementation. Values are Utils.murmur2's signed int.
 */
const JAVA_MURMUR2: ReadonlyArray<readonly [Buffer, number]> = [
  [Buffer.from('21'), -973932308],
  [Buffer.from('foobar'), -790332482],
  [Buffer.from('a-little-bit-long-string'), -985981536],
  [Buffer.from('a-little-bit-longer-string'), -1486304829],
  [Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'), -58897971],
  [Buffer.from([0x61, 0x62, 0x63]), 479470107],
  [Buffer.from('1'), -1993445489],
  [Buffer.from('12'), 126087238],
  [Buffer.from('123'), -267702483],
  [Buffer.from('1234'), -1614185708],
  [Buffer.from('12345'), -1188365604],
]
const javaPartition = (hash: number, partitions: number): number => (hash & 0x7fffffff) % partitions
const PARTITION_COUNTS = [3, 6, 12]

describe('default partitioner = Java murmur2', () => {
  let broker: BrokerFixture
  before(async () => {
    if (!services.ready()) return
    broker = await brokerFixture()
  })
  after(() => broker?.cleanup())

  test('the vectors spread over partitions (so the check below can fail)', { skip: services.skip }, () => {
    for (const n of PARTITION_COUNTS) {
      assert.ok(new Set(JAVA_MURMUR2.map(([, h]) => javaPartition(h, n))).size >= Math.min(n, 3), `${n} partitions`)
    }
  })

  for (const n of PARTITION_COUNTS) {
    test(`keys land where the Java client puts them on ${n} partitions`, { skip: services.skip }, async () => {
      const topic = uniqueName(`murmur-${n}`)
      await broker.createTopics([{ topic, numPartitions: n }])
      const producer = broker.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner })
      await producer.connect()
      broker.defer(() => producer.disconnect())
      for (const [key, hash] of JAVA_MURMUR2) {
        // One send per key: the broker's answer names the partition the record was written to.
        const [meta] = await producer.send({ topic, messages: [{ key, value: 'v' }] })
        assert.equal(meta!.partition, javaPartition(hash, n), `key ${JSON.stringify(key.toString())}`)
      }
      // And the partitions' end offsets agree: each record is where the broker said it was.
      const offsets = await broker.admin.fetchTopicOffsets(topic)
      const expected = new Array<number>(n).fill(0)
      for (const [, hash] of JAVA_MURMUR2) expected[javaPartition(hash, n)]!++
      assert.deepEqual(offsets.sort((a, b) => a.partition - b.partition).map((o) => Number(o.high)), expected)
    })
  }
})
