/**
 * The services the rest of the suite relies on are the real ones, at the versions pinned in
 * infra/ (and docker-compose.yml): a Kafka 3.9.x broker kafkajs can talk to, and a registry
 * speaking the Confluent API.
 */
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { apiVersions, METADATA_VERSION_TOP_LEVEL } from '../helpers/api-versions.ts'
import { testKafka } from '../helpers/kafka.ts'
import { integrationServices, KAFKA_BROKERS, SCHEMA_REGISTRY_URL } from '../helpers/services.ts'

const services = await integrationServices()
// KAFKA_VERSION is what infra/services.sh was asked to run; the suite pins 3.9.
const release = (process.env.KAFKA_VERSION ?? '3.9').split('.').slice(0, 2).join('.')

describe('integration services', () => {
  before(() => void services.ready())

  test(`broker answers ApiVersions v3 and runs Kafka ${release}.x`, { skip: services.skip }, async (t) => {
    const reply = await apiVersions(KAFKA_BROKERS[0]!)
    // The broker binary's highest metadata.version identifies its release (3.9 → 3.9-IV0 = 21).
    const supported = reply.supportedFeatures.get('metadata.version')
    assert.ok(supported, 'ApiVersions v3 carries metadata.version (KRaft)')
    const expected = METADATA_VERSION_TOP_LEVEL[release]
    if (expected === undefined) t.diagnostic(`no metadata.version table entry for ${release}; saw max level ${supported[1]}`)
    else assert.equal(supported[1], expected, `metadata.version max level ${supported[1]} is not Kafka ${release}`)
    // Every API kafkajs 2.2.4 uses at its top version must still be served (KIP-896 removals).
    const kafkajsMax: Record<number, number> = { 0: 7, 1: 11, 2: 3, 3: 6, 8: 5, 9: 4, 10: 2, 11: 5, 12: 3, 13: 3, 14: 3, 18: 2, 19: 3, 20: 1, 22: 1, 24: 1, 25: 1, 26: 1, 28: 1, 32: 2 }
    for (const [key, max] of Object.entries(kafkajsMax)) {
      const range = reply.apiKeys.get(Number(key))
      assert.ok(range && range.min <= max && max <= range.max, `API ${key} v${max} (kafkajs) outside broker range ${JSON.stringify(range)}`)
    }
  })

  test('kafkajs describes the cluster', { skip: services.skip }, async () => {
    const admin = testKafka().admin()
    await admin.connect()
    try {
      const cluster = await admin.describeCluster()
      assert.equal(cluster.brokers.length, 1)
      assert.equal(typeof cluster.clusterId, 'string')
      assert.equal(cluster.controller, cluster.brokers[0]!.nodeId)
    } finally {
      await admin.disconnect()
    }
  })

  test('schema registry answers the Confluent API', { skip: services.skip }, async (t) => {
    const res = await fetch(`${SCHEMA_REGISTRY_URL}/subjects`)
    assert.equal(res.status, 200)
    assert.ok(Array.isArray(await res.json()))
    // Apicurio reports its version; other registries (a user's Confluent SR) may not have this.
    const base = SCHEMA_REGISTRY_URL.replace(/\/apis\/ccompat\/v7\/?$/, '')
    const info = await fetch(`${base}/apis/registry/v3/system/info`).catch(() => undefined)
    if (info?.ok) t.diagnostic(`registry: ${JSON.stringify(await info.json())}`)
  })
})
