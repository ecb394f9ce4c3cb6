import type { KeyValueMapper, ValueJoiner } from '../../processors/functions.ts'
import { KStreamKTableJoin } from '../../processors/kstream-ktable-join.ts'
import { KTableKTableJoinMerger } from '../../processors/ktable-ktable-join-merger.ts'
import { KTableKTableJoin, tableJoinValueGetterSupplier, type TableJoinSide } from '../../processors/ktable-ktable-join.ts'
import { storeValueGetterSupplier, type KTableValueGetterSupplier } from '../../processors/ktable-value-getter.ts'
import type { GlobalKTable } from './global-ktable.ts'
import type { StreamInternals, TableInternals } from './internals.ts'
import type { JoinedOptions } from './join-options.ts'
import { connectGetter, copartition, valueGetterSupplierOf } from './join-support.ts'
import { KStream } from './kstream.ts'
import { KTable } from './ktable.ts'
import { timestampedStore, wantsStore } from './materialized.ts'
import type { StoreOptions } from './options.ts'

/**
 * Stream-table, stream-global-table and table-table joins, as the DSL builds them (Kafka's
 * `KStreamImpl.doStreamTableJoin`, `globalTableJoin` and `KTableImpl.doJoin`); the KStream and
 * KTable methods are thin calls into these.
 */

/**
 * A stream looking up a table by its key. If the stream's key changed upstream it first goes
 * through the repartition topic `<join name or stream node>-repartition`, so that each record
 * meets the table partition holding its key; the two inputs are declared co-partitioned either way.
 */
export function streamTableJoin<K, V, VT, VR>(
  stream: StreamInternals,
  table: TableInternals,
  joiner: ValueJoiner<V, VT | null, VR, K>,
  leftJoin: boolean,
  options: JoinedOptions<K, V, VT> | undefined,
): KStream<K, VR> {
  const b = stream.builder
  // The keys are the table's keys: its serde also places repartitioned records where its rows are.
  const keySerde = options?.key ?? stream.keySerde ?? table.keySerde ?? b.defaultKeySerde
  let parent = stream.name
  if (stream.repartitionRequired) {
    const valueSerde = b.valueSerde(options?.value, stream.valueSerde)
    parent = b.repartition(stream.name, options?.name ?? stream.name, b.internalSerde(keySerde), b.internalSerde(valueSerde), {
      dropNullKeys: true,
    })
  }
  const name = b.nameOr(options?.name, leftJoin ? 'KSTREAM-LEFTJOIN-' : 'KSTREAM-JOIN-')
  const getter = valueGetterSupplierOf<K, VT>(table)
  b.topology.addProcessor(name, () => new KStreamKTableJoin<K, V, K, VT, VR>(getter, undefined, joiner, leftJoin), parent)
  connectGetter(b.topology, name, getter)
  copartition(b.topology, parent, table.name)
  return new KStream<K, VR>({ builder: b, name, keySerde, valueSerde: undefined, repartitionRequired: false })
}

/**
 * A stream looking up a global table by a key taken from each record: every instance holds the
 * whole table, so neither repartitioning nor co-partitioning is needed, and the stream keeps its key.
 */
export function streamGlobalTableJoin<K, V, GK, GV, VR>(
  stream: StreamInternals,
  globalTable: GlobalKTable<GK, GV>,
  keySelector: KeyValueMapper<K, V, GK>,
  joiner: ValueJoiner<V, GV | null, VR, K>,
  leftJoin: boolean,
  options: { readonly name?: string } | undefined,
): KStream<K, VR> {
  const b = stream.builder
  const name = b.nameOr(options?.name, leftJoin ? 'KSTREAM-LEFTJOIN-' : 'KSTREAM-JOIN-')
  const getter = storeValueGetterSupplier<GK, GV>(globalTable.queryableStoreName)
  b.topology.addProcessor(name, () => new KStreamKTableJoin<K, V, GK, GV, VR>(getter, keySelector, joiner, leftJoin), stream.name)
  return new KStream<K, VR>({
    builder: b,
    name,
    keySerde: stream.keySerde,
    valueSerde: undefined,
    repartitionRequired: stream.repartitionRequired,
  })
}

export type TableJoinKind = 'inner' | 'left' | 'outer'

/**
 * Two tables joined by key: an update on either side looks up the other and emits the joined row
 * (Kafka's join-this / join-other processors meeting in a merge node). The left table sends old
 * values for left and outer joins, the right one for outer joins, so deletes retract results.
 * Store options materialize the result in its own store; otherwise it is computed on lookup.
 */
export function tableTableJoin<K, V, VO, VR>(
  left: TableInternals,
  right: TableInternals,
  joiner: ValueJoiner<V | null, VO | null, VR, K>,
  kind: TableJoinKind,
  options: StoreOptions<K, VR> | undefined,
): KTable<K, VR> {
  const b = left.builder
  const stored = wantsStore(options)
  const storeName = stored ? (options?.storeName ?? b.newStoreName('KTABLE-MERGE-')) : undefined
  const named = options?.name
  const mergeName = b.nameOr(named, 'KTABLE-MERGE-')
  const thisName = named !== undefined ? `${named}-join-this` : b.newProcessorName('KTABLE-JOINTHIS-')
  const otherName = named !== undefined ? `${named}-join-other` : b.newProcessorName('KTABLE-JOINOTHER-')
  if (kind !== 'inner') left.enableSendingOldValues()
  if (kind === 'outer') right.enableSendingOldValues()

  const leftGetter = valueGetterSupplierOf<K, V>(left)
  const rightGetter = valueGetterSupplierOf<K, VO>(right)
  const thisSide: TableJoinSide = kind
  const otherSide: TableJoinSide = kind === 'left' ? 'right' : kind
  const reversed: ValueJoiner<VO | null, V | null, VR, K> = (o, v, key) => joiner(v, o, key)
  const joinFlags = { sendOldValues: false }
  const mergeFlags = { sendOldValues: false }
  const t = b.topology
  t.addProcessor(thisName, () => new KTableKTableJoin<K, V, VO, VR>(thisSide, rightGetter, joiner, joinFlags), left.name)
  t.addProcessor(otherName, () => new KTableKTableJoin<K, VO, V, VR>(otherSide, leftGetter, reversed, joinFlags), right.name)
  t.addProcessor(mergeName, () => new KTableKTableJoinMerger<K, VR>(storeName, mergeFlags), thisName, otherName)
  connectGetter(t, thisName, rightGetter)
  connectGetter(t, otherName, leftGetter)
  copartition(t, left.name, right.name)

  const keySerde = b.keySerde(options?.key, left.keySerde)
  const valueSerde = b.valueSerde(options?.value, undefined)
  if (storeName !== undefined) t.addStateStore(timestampedStore(b, storeName, options, keySerde, valueSerde), mergeName)
  const view = (): KTableValueGetterSupplier<K, VR> =>
    storeName !== undefined ? storeValueGetterSupplier(storeName) : tableJoinValueGetterSupplier(kind, leftGetter, rightGetter, joiner)
  return new KTable<K, VR>({
    builder: b,
    name: mergeName,
    keySerde,
    valueSerde,
    storeName,
    enableSendingOldValues: () => {
      // A join's old value is the old row joined with the other side's current one: both sides send theirs.
      left.enableSendingOldValues()
      right.enableSendingOldValues()
      joinFlags.sendOldValues = true
      mergeFlags.sendOldValues = true
    },
    valueGetterSupplier: view,
  })
}
