import { ForeignTableJoin } from '../../processors/foreign-key-join/foreign-table-join.ts'
import { ResponseJoin } from '../../processors/foreign-key-join/response-join.ts'
import { SubscriptionJoin } from '../../processors/foreign-key-join/subscription-join.ts'
import { SubscriptionReceive } from '../../processors/foreign-key-join/subscription-receive.ts'
import { SubscriptionSend } from '../../processors/foreign-key-join/subscription-send.ts'
import {
  subscriptionResponseWrapperSerde,
  subscriptionWrapperSerde,
  type SubscriptionResponseWrapper,
} from '../../processors/foreign-key-join/wrappers.ts'
import type { ValueJoiner, ValueMapper } from '../../processors/functions.ts'
import { KTableSource } from '../../processors/ktable-source.ts'
import { KTableUnstoredSource } from '../../processors/ktable-unstored-source.ts'
import { storeValueGetterSupplier } from '../../processors/ktable-value-getter.ts'
import { bytes } from '../../serdes/bytes.ts'
import { materialize } from '../../state/materialize.ts'
import type { StreamPartitioner } from '../nodes.ts'
import { SINK_NAME, SOURCE_NAME } from './internal-builder.ts'
import type { TableInternals } from './internals.ts'
import type { TableJoinedOptions } from './join-options.ts'
import { connectGetter, copartition, valueGetterSupplierOf } from './join-support.ts'
import { KTable } from './ktable.ts'
import { timestampedStore, wantsStore } from './materialized.ts'

const SUBSCRIPTION_REGISTRATION = 'KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-'
const SUBSCRIPTION_RESPONSE = 'KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-'
const SUBSCRIPTION_PROCESSOR = 'KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-'
const RESPONSE_RESOLVER = 'KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-'
const SUBSCRIPTION_STORE = 'KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-'
const OUTPUT = 'KTABLE-FK-JOIN-OUTPUT-'
const TOPIC_SUFFIX = '-topic'

/**
 * `leftTable.join(rightTable, foreignKeyExtractor, joiner)` — Kafka's foreign-key join (KIP-213),
 * node for node and name for name (`KTableImpl.doJoinOnForeignKey`):
 *
 *   left table ─▶ subscription send ─▶ `<app>-KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-<n>-topic` (by foreign key)
 *     ─▶ subscription receive (subscription store) ─▶ subscription join (reads the right table) ─┐
 *   right table ─▶ foreign join subscription (scans the subscription store) ────────────────────┤
 *     ─▶ `<app>-KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-<n>-topic` (to the left row's partition) ◀─┘
 *     ─▶ response resolver (reads the left table, drops stale answers) ─▶ result table
 *
 * The subscription topic is co-partitioned with the right table, the response topic with the
 * left one. Both tables send old values: the left so a changed foreign key unsubscribes the old
 * one. The result table is stored when given store options, or later when something needs its rows.
 */
export function foreignKeyJoin<K, V, KO, VO, VR>(
  left: TableInternals,
  right: TableInternals,
  foreignKeyExtractor: ValueMapper<V, KO, K>,
  joiner: ValueJoiner<V, VO | null, VR, K>,
  leftJoin: boolean,
  options: TableJoinedOptions<K, VR, KO> | undefined,
): KTable<K, VR> {
  const b = left.builder
  const t = b.topology
  right.enableSendingOldValues()
  left.enableSendingOldValues()
  const named = options?.name
  const nameOf = (suffix: string, prefix: string): string => (named !== undefined ? named + suffix : b.newProcessorName(prefix))

  const foreignKeySerde = b.internalSerde<KO>(right.keySerde)
  const primaryKeySerde = b.internalSerde<K>(left.keySerde)
  const leftValueSerde = b.internalSerde<V>(left.valueSerde)
  const subscriptionSerde = subscriptionWrapperSerde(primaryKeySerde)
  const responseSerde = subscriptionResponseWrapperSerde<VO>(b.internalSerde(right.valueSerde))

  const subscriptionTopic = nameOf('-subscription-registration', SUBSCRIPTION_REGISTRATION) + TOPIC_SUFFIX
  t.addInternalTopic({ name: subscriptionTopic, type: 'repartition', numPartitions: undefined, config: {} })
  // Serde topics as Kafka's pseudo topics: only schema-registry serdes care about the name.
  const hashTopic = `${subscriptionTopic}-vh`
  const keyTopic = `${subscriptionTopic}-fk`

  const sendName = nameOf('-subscription-registration-processor', SUBSCRIPTION_REGISTRATION)
  t.addProcessor(sendName, () => new SubscriptionSend<K, V, KO>({
    foreignKeyExtractor, foreignKeySerde, valueSerde: leftValueSerde, hashTopic, leftJoin,
  }), left.name)
  const subscriptionSink = nameOf('-subscription-registration-sink', SINK_NAME)
  const otherPartitioner = options?.otherPartitioner
  t.addSink(subscriptionSink, subscriptionTopic, {
    keySerde: foreignKeySerde,
    valueSerde: subscriptionSerde,
    ...(otherPartitioner && { partitioner: (topic: string, key: KO, _v: unknown, n: number) => otherPartitioner(topic, key, undefined, n) }),
  }, sendName)
  const subscriptionSource = nameOf('-subscription-registration-source', SOURCE_NAME)
  t.addSource(subscriptionSource, subscriptionTopic, { keySerde: foreignKeySerde, valueSerde: subscriptionSerde })
  copartition(t, subscriptionSource, right.name)

  const subscriptionStore = nameOf('-subscription-store', SUBSCRIPTION_STORE)
  const receiveName = nameOf('-subscription-receive', SUBSCRIPTION_PROCESSOR)
  t.addProcessor(receiveName, () => new SubscriptionReceive<K, KO>({
    storeName: subscriptionStore, foreignKeySerde, primaryKeySerde, serdeTopic: keyTopic,
  }), subscriptionSource)
  t.addStateStore(materialize({
    storeName: subscriptionStore,
    keySerde: bytes(),
    valueSerde: subscriptionSerde,
    ...(options?.storeType !== undefined && { storeType: options.storeType }),
    ...(options?.logging !== undefined && { logging: options.logging }),
  }, { timestamped: true }), receiveName)

  const rightGetter = valueGetterSupplierOf<KO, VO>(right)
  const joinForeignName = nameOf('-subscription-join-foreign', SUBSCRIPTION_PROCESSOR)
  t.addProcessor(joinForeignName, () => new SubscriptionJoin<K, KO, VO>(rightGetter), receiveName)
  connectGetter(t, joinForeignName, rightGetter)

  const foreignJoinName = nameOf('-foreign-join-subscription', SUBSCRIPTION_PROCESSOR)
  t.addProcessor(foreignJoinName, () => new ForeignTableJoin<K, KO, VO>({
    storeName: subscriptionStore, foreignKeySerde, serdeTopic: keyTopic,
  }), right.name)
  t.connectProcessorAndStateStores(foreignJoinName, subscriptionStore)

  const responseTopic = nameOf('-subscription-response', SUBSCRIPTION_RESPONSE) + TOPIC_SUFFIX
  t.addInternalTopic({ name: responseTopic, type: 'repartition', numPartitions: undefined, config: {} })
  const responseSink = nameOf('-subscription-response-sink', SINK_NAME)
  t.addSink(responseSink, responseTopic, {
    keySerde: primaryKeySerde,
    valueSerde: responseSerde,
    partitioner: responsePartitioner<K, VO>(options?.partitioner),
  }, joinForeignName, foreignJoinName)
  const responseSource = nameOf('-subscription-response-source', SOURCE_NAME)
  t.addSource(responseSource, responseTopic, { keySerde: primaryKeySerde, valueSerde: responseSerde })
  copartition(t, responseSource, left.name)

  const leftGetter = valueGetterSupplierOf<K, V>(left)
  const resolverName = nameOf('-subscription-response-resolver', RESPONSE_RESOLVER)
  t.addProcessor(resolverName, () => new ResponseJoin<K, V, VO, VR>({
    primaryTable: leftGetter, valueSerde: leftValueSerde, hashTopic, joiner, leftJoin,
  }), responseSource)
  connectGetter(t, resolverName, leftGetter)

  return resultTable<K, VR>(left, nameOf('-result', OUTPUT), resolverName, options)
}

/** Answers go back to the partition the left row lives on (carried in the answer), as in Kafka. */
function responsePartitioner<K, VO>(custom: StreamPartitioner<K, unknown> | undefined): StreamPartitioner<K, SubscriptionResponseWrapper<VO>> {
  if (custom !== undefined) return (topic, key, _value, n) => custom(topic, key, undefined, n)
  return (_topic, _key, value) => (value.primaryPartition >= 0 ? value.primaryPartition : undefined)
}

/** The join's result table, stored now (store options) or on first need (lookups, old values). */
function resultTable<K, VR>(left: TableInternals, name: string, parent: string, options: TableJoinedOptions<K, VR, any> | undefined): KTable<K, VR> {
  const b = left.builder
  const storeName = options?.storeName ?? b.newStoreName(OUTPUT)
  const keySerde = b.keySerde(options?.key, left.keySerde)
  const valueSerde = b.valueSerde(options?.value, undefined)
  const flags = { sendOldValues: false }
  let stored = false
  const store = (): void => {
    if (stored) return
    stored = true
    b.topology.addStateStore(timestampedStore(b, storeName, options, keySerde, valueSerde), name)
  }
  b.topology.addProcessor(name, () => (stored ? new KTableSource<K, VR>(storeName, flags) : new KTableUnstoredSource<K, VR>()), parent)
  if (wantsStore(options)) store()
  return new KTable<K, VR>({
    builder: b,
    name,
    keySerde,
    valueSerde,
    get storeName() {
      return stored ? storeName : undefined
    },
    enableSendingOldValues: () => {
      store()
      flags.sendOldValues = true
    },
    valueGetterSupplier: () => {
      store()
      return storeValueGetterSupplier(storeName)
    },
  })
}
