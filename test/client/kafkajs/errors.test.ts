// Which kafkajs failures the adapter reports as retriable (the runtime waits those out within
// taskTimeoutMs; anything else is fatal). kafkajs's own error classes, not look-alikes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { translateError } from '../../../src/client/kafkajs/errors.ts'

type ErrorClass = new (message: string | Error, options?: object) => Error
const kafkajs = createRequire(import.meta.url)('kafkajs') as Record<string, ErrorClass>

test('the broker unreachable or gone mid-request is retriable, however kafkajs names it', () => {
  const cases: Array<[string, Error]> = [
    ['connection refused', new kafkajs.KafkaJSConnectionError!('Connection error: connect ECONNREFUSED 127.0.0.1:9092', { broker: '127.0.0.1:9092', code: 'ECONNREFUSED' })],
    // A request in flight when the broker is killed (seen as a fatal `sendOffsets: Closed connection`
    // in the GlobalKTable broker-kill test before this was retriable).
    ['connection closed', new kafkajs.KafkaJSConnectionClosedError!('Closed connection', { host: '127.0.0.1', port: 9092 })],
    ['broker not in the metadata', new kafkajs.KafkaJSBrokerNotFound!('Broker 1 not found in the cached metadata')],
    ['request timeout', new kafkajs.KafkaJSRequestTimeoutError!('Request Produce(key: 0, version: 7) timed out')],
    // The coordinator lookup after a broker restart, before the group's coordinator is loaded
    // (seen as a fatal `sendOffsets: Failed to find group coordinator` in a broker-bounce run).
    ['group coordinator not found', new kafkajs.KafkaJSGroupCoordinatorNotFound!('Failed to find group coordinator')],
    ['metadata not loaded', new kafkajs.KafkaJSMetadataNotLoaded!('Cluster metadata not loaded')],
    ['topic metadata not loaded', new kafkajs.KafkaJSTopicMetadataNotLoaded!('Topic metadata not loaded', { topic: 't' })],
    ['no broker available', new kafkajs.KafkaJSNoBrokerAvailableError!('No broker available')],
    ['lock timeout', new kafkajs.KafkaJSLockTimeout!('Timeout while acquiring lock (1 waiting locks)')],
    ['retries exhausted', new kafkajs.KafkaJSNumberOfRetriesExceeded!(new kafkajs.KafkaJSConnectionError!('Connection error'), { retryCount: 5, retryTime: 3000 })],
  ]
  for (const [what, error] of cases) {
    const translated = translateError(error, 'sendOffsets (app-1_1)')
    assert.equal(translated.retriable, true, what)
    assert.ok(translated.message.startsWith('sendOffsets (app-1_1): '), translated.message)
    assert.equal(translated.cause, error)
  }
})

test('other kafkajs failures stay non-retriable', () => {
  for (const error of [new kafkajs.KafkaJSNonRetriableError!('Invalid SASL credentials'), new kafkajs.KafkaJSSASLAuthenticationError!('SASL PLAIN authentication failed')]) {
    assert.equal(translateError(error, 'connect').retriable, false, error.message)
  }
})

test("an idempotent producer's sequence out of step with the broker's is retriable (with a new producer, which the runtime makes)", () => {
  // Seen as a fatal `send (non-transactional producer): … (OUT_OF_ORDER_SEQUENCE_NUMBER)` in the
  // at-least-once broker-kill test.
  for (const type of ['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID']) {
    const protocol = Object.assign(new kafkajs.KafkaJSProtocolError!({ message: 'The broker received an out of order sequence number', type, code: 45, retriable: false } as never), {})
    const translated = translateError(new kafkajs.KafkaJSNonRetriableError!(protocol, { cause: protocol }), 'send (non-transactional producer)')
    assert.equal(translated.retriable, true, type)
    assert.match(translated.message, new RegExp(type))
  }
})
