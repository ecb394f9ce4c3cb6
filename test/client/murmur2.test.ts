import { test } from 'node:test'
import assert from 'node:assert/strict'
import { murmur2, murmur2Partition, toPositive } from '../../src/client/murmur2.ts'

// Vectors from Kafka's clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java (testMurmur2).
const JAVA_VECTORS: ReadonlyArray<[string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
]

// Vectors kafkajs generated from Java (src/producer/partitioners/defaultJava/murmur2.spec.js): every
// tail length (1-3 bytes) and multi-block keys. kafkajs' *legacy* partitioner differs on purpose.
const KAFKAJS_JAVA_VECTORS: ReadonlyArray<[string, number]> = [
  ['0', 971027396],
  ['1', -1993445489],
  ['128', -326012175],
  ['2187', -1508407203],
  ['16384', -325739742],
  ['78125', -1654490814],
  ['279936', 1462227128],
  ['823543', -2014198330],
  ['2097152', 607668903],
  ['4782969', -1182699775],
  ['10000000', -1830336757],
  ['19487171', -1603849305],
  ['35831808', -857013643],
  ['62748517', -1167431028],
  ['105413504', -381294639],
  ['170859375', -1658323481],
  ['100:48069', 1009543857],
  // librdkafka's rdmurmur2.c vector
  ['kafka', -798503068],
]

test('murmur2 matches the Java client (UtilsTest vectors)', () => {
  for (const [input, expected] of JAVA_VECTORS) assert.equal(murmur2(Buffer.from(input)), expected, input)
})

test('murmur2 matches the Java-generated vectors kafkajs and librdkafka check', () => {
  for (const [input, expected] of KAFKAJS_JAVA_VECTORS) assert.equal(murmur2(Buffer.from(input)), expected, input)
})

test('toPositive clears the sign bit like Java, including MIN_VALUE', () => {
  assert.equal(toPositive(-1), 0x7fffffff)
  assert.equal(toPositive(-2147483648), 0)
  assert.equal(toPositive(5), 5)
})

test('murmur2Partition = toPositive(murmur2(key)) % n', () => {
  // -790332482 & 0x7fffffff = 1357151166; 1357151166 % 3 = 0, % 7 = 4
  assert.equal(toPositive(-790332482), 1357151166)
  assert.equal(murmur2Partition(Buffer.from('foobar'), 3), 1357151166 % 3)
  assert.equal(murmur2Partition(Buffer.from('foobar'), 7), 1357151166 % 7)
  for (let n = 1; n <= 12; n++) {
    const p = murmur2Partition(Buffer.from('key-' + n), n)
    assert.ok(p >= 0 && p < n)
  }
})
