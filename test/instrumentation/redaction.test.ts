import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { pino } from 'pino'
import { bridgeLogs, KAFKAJS_LEVELS } from '../../src/client/kafkajs/log-bridge.ts'
import { PINO_REDACT_PATHS, REDACTED, redactSecrets } from '../../src/instrumentation/redact.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { capturingLogger } from './capturing-logger.ts'

const SECRETS = ['hunter2', 'AKIA-secret', 'token-xyz', '-----BEGIN PRIVATE KEY-----', '-----BEGIN CERTIFICATE-----', 'pfx-bytes', 'pass-phrase']

const config = {
  applicationId: 'redact',
  defaultValueSerde: Serdes.json(),
  kafka: {
    brokers: ['b1:9092'],
    sasl: { mechanism: 'plain', username: 'svc', password: 'hunter2' },
    ssl: { rejectUnauthorized: true, key: '-----BEGIN PRIVATE KEY-----abc', cert: Buffer.from('-----BEGIN CERTIFICATE-----'), ca: ['public ca'], passphrase: 'pass-phrase', pfx: 'pfx-bytes' },
    aws: { secretAccessKey: 'AKIA-secret', sessionToken: 'token-xyz' },
    oauthBearerProvider: async () => ({ value: 'token-xyz' }),
  },
}

test('redactSecrets: SASL passwords, TLS keys, certificates and passphrases, tokens censored; objects described, not dumped', () => {
  const text = JSON.stringify(redactSecrets(config))
  for (const s of SECRETS) assert.ok(!text.includes(s), `${s} leaked: ${text}`)
  const r = redactSecrets(config) as { kafka: { sasl: { username: string; password: string }; ssl: { ca: string[]; key: string }; oauthBearerProvider: string }; defaultValueSerde: unknown }
  assert.equal(r.kafka.sasl.password, REDACTED)
  assert.equal(r.kafka.sasl.username, 'svc', 'what is not secret stays readable')
  assert.equal(r.kafka.ssl.key, REDACTED)
  assert.deepEqual(r.kafka.ssl.ca, ['public ca'])
  assert.equal(r.kafka.oauthBearerProvider, '[function]')
  assert.equal((r.defaultValueSerde as unknown as { serialize: string }).serialize, '[function]', 'functions are named, not dumped')
  assert.equal(redactSecrets(new Map([['password', 'hunter2']])), '[Map]', 'class instances are described, not dumped')
  const cyclic: { self?: unknown; password: string } = { password: 'hunter2' }
  cyclic.self = cyclic
  assert.doesNotThrow(() => JSON.stringify(redactSecrets(cyclic)))
})

test('the default pino logger redacts the same fields in anything logged', () => {
  const lines: string[] = []
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done() } })
  const logger = pino({ redact: { paths: PINO_REDACT_PATHS, censor: REDACTED } }, sink)
  logger.info({ config: { kafka: { sasl: { password: 'hunter2' }, ssl: { key: '-----BEGIN PRIVATE KEY-----', passphrase: 'pass-phrase' } } } }, 'config')
  logger.info({ sasl: { password: 'hunter2' }, token: 'token-xyz' }, 'flat')
  const text = lines.join('')
  for (const s of SECRETS) assert.ok(!text.includes(s), `${s} leaked: ${text}`)
  assert.equal(text.split(REDACTED).length - 1, 5)
})

test('kafkajs log lines reach the logger through the bridge, as child lines of component kafkajs, with secrets censored', () => {
  const { logger, lines } = capturingLogger()
  const log = bridgeLogs(logger)(KAFKAJS_LEVELS.info)
  log({ namespace: 'Connection', level: KAFKAJS_LEVELS.error, label: 'ERROR', log: { timestamp: 'now', logger: 'kafkajs', message: 'SASL PLAIN authentication failed', broker: 'b1:9092', sasl: { password: 'hunter2' } } })
  log({ namespace: 'ConsumerGroup', level: KAFKAJS_LEVELS.info, label: 'INFO', log: { timestamp: 'now', logger: 'kafkajs', message: 'Consumer has joined the group', groupId: 'g' } })
  assert.deepEqual(lines.map((l) => [l.level, l.bindings.component, l.bindings.namespace, l.msg]), [
    ['error', 'kafkajs', 'Connection', 'SASL PLAIN authentication failed'],
    ['debug', 'kafkajs', 'ConsumerGroup', 'Consumer has joined the group'],
  ])
  assert.ok(!JSON.stringify(lines).includes('hunter2'))
})

test('a logger that throws on a kafkajs line (a BigInt it cannot serialize) does not fail the request kafkajs was logging', () => {
  const throwing = (): never => {
    throw new TypeError('Do not know how to serialize a BigInt')
  }
  const logger = { trace: throwing, debug: throwing, info: throwing, warn: throwing, error: throwing, child: () => logger }
  const log = bridgeLogs(logger)(KAFKAJS_LEVELS.debug)
  assert.doesNotThrow(() => log({ namespace: 'Connection', level: KAFKAJS_LEVELS.debug, label: 'DEBUG', log: { timestamp: 'now', logger: 'kafkajs', message: 'Response OffsetFetch(key: 9, version: 3)', data: { offset: 12n } } }))
})
