import type { KeyValueLike, KeyValueMapper, Predicate, ValueJoiner, ValueMapper } from '../../processors/functions.ts'
import { KTableFilter } from '../../processors/ktable-filter.ts'
import { KTableMapValues } from '../../processors/ktable-map-values.ts'
import { KTableRepartitionMap } from '../../processors/ktable-repartition-map.ts'
import { KTableToStream } from '../../processors/ktable-to-stream.ts'
import { filterValueGetterSupplier, mapValuesValueGetterSupplier, type KTableValueGetterSupplier } from '../../processors/ktable-value-getter.ts'
import { foreignKeyJoin } from './foreign-key-join.ts'
import { INTERNALS, type TableInternals } from './internals.ts'
import type { TableJoinedOptions } from './join-options.ts'
import { valueGetterSupplierOf } from './join-support.ts'
import { tableTableJoin, type TableJoinKind } from './joins.ts'
import { KGroupedTable } from './kgrouped-table.ts'
import { KStream } from './kstream.ts'
import { timestampedStore, wantsStore } from './materialized.ts'
import type { GroupedOptions, NamedOptions, StoreOptions } from './options.ts'
import { suppressTable } from './suppress.ts'
import type { Suppressed } from './suppressed.ts'

/**
 * A changelog-backed table (Kafka Streams' `KTable`): one current value per key. Its edges carry
 * `Change`s (new value, and the old one when a downstream asks for it), so an aggregation over
 * the table can take a row's old value out before adding the new one. A null value is a delete.
 *
 * `filter` and `mapValues` are stored only when given store options; otherwise they compute on
 * the fly from their parent's updates.
 */
export class KTable<in out K, in out V> {
  /** @internal */
  readonly [INTERNALS]: TableInternals

  /** @internal Tables are made by `StreamsBuilder.table()`, aggregations and `toTable()`. */
  constructor(internals: TableInternals) {
    this[INTERNALS] = internals
  }

  /** The store holding this table's rows (for interactive queries), if it has one. */
  get queryableStoreName(): string | undefined {
    return this[INTERNALS].storeName
  }

  /** Keeps rows the predicate accepts; a row it rejects is deleted downstream. */
  filter(predicate: Predicate<K, V>, options?: StoreOptions<K, V>): KTable<K, V> {
    return this.#filter(predicate, false, options)
  }

  filterNot(predicate: Predicate<K, V>, options?: StoreOptions<K, V>): KTable<K, V> {
    return this.#filter(predicate, true, options)
  }

  /** Maps each row's value, `(value, key) => newValue`; deletes stay deletes. */
  mapValues<VR>(mapper: ValueMapper<V, VR, K>, options?: StoreOptions<K, VR>): KTable<K, VR> {
    const t = this[INTERNALS]
    const b = t.builder
    const storeName = wantsStore(options) ? (options?.storeName ?? b.newStoreName('KTABLE-MAPVALUES-')) : undefined
    const name = b.nameOr(options?.name, 'KTABLE-MAPVALUES-')
    const flags = { sendOldValues: false }
    b.topology.addProcessor(name, () => new KTableMapValues(mapper, storeName, flags), t.name)
    const valueSerde = b.valueSerde(options?.value, undefined)
    return this.#derive<VR>(name, storeName, valueSerde, flags, options, () => mapValuesValueGetterSupplier(valueGetterSupplierOf<K, V>(t), mapper))
  }

  /** The table's updates as a stream: each change's new value, null for a delete. */
  toStream(options?: NamedOptions): KStream<K, V | null> {
    const t = this[INTERNALS]
    const name = t.builder.nameOr(options?.name, 'KTABLE-TOSTREAM-')
    t.builder.topology.addProcessor(name, () => new KTableToStream<K, V>(), t.name)
    return new KStream<K, V | null>({
      builder: t.builder,
      name,
      keySerde: t.keySerde,
      valueSerde: t.valueSerde,
      repartitionRequired: false,
    })
  }

  /**
   * Holds updates back (Kafka's `suppress`): `Suppressed.untilWindowCloses(BufferConfig.unbounded())`
   * emits one final result per window of a windowed table once the window closes;
   * `Suppressed.untilTimeLimit(ms, config)` emits each key's latest update `ms` after it was first
   * held. The buffer is changelogged, so held results survive a restart.
   */
  suppress(suppressed: Suppressed<K>): KTable<K, V> {
    return suppressTable(this, suppressed)
  }

  /**
   * Regroups rows by a new key and value, `(key, value) => [groupKey, groupValue]` (or
   * `{ key, value }`), for an aggregation with adder and subtractor: when a row changes, its old
   * value leaves its old group and its new value joins its new group.
   */
  groupBy<KR, VR>(selector: KeyValueMapper<K, V, KeyValueLike<KR, VR>>, options?: GroupedOptions<KR, VR>): KGroupedTable<KR, VR> {
    const t = this[INTERNALS]
    const b = t.builder
    const name = b.nameOr(options?.name, 'KTABLE-SELECT-')
    b.topology.addProcessor(name, () => new KTableRepartitionMap(selector), t.name)
    t.enableSendingOldValues()
    return new KGroupedTable<KR, VR>({
      builder: b,
      name,
      keySerde: b.keySerde(options?.key, undefined),
      valueSerde: b.valueSerde(options?.value, undefined),
      repartitionName: options?.name,
    })
  }

  /**
   * Joins rows of both tables with the same key, `(value, otherValue, key) => result`; an update on
   * either side updates the result, a delete on either side deletes it. With a foreign-key
   * extractor, `(value, key) => otherKey`, each row joins the other table's row under that key
   * instead (Kafka's foreign-key join): the result keeps this table's keys.
   */
  join<KO, VO, VR>(
    other: KTable<KO, VO>,
    foreignKeyExtractor: ValueMapper<V, KO, K>,
    joiner: ValueJoiner<V, VO, VR, K>,
    options?: TableJoinedOptions<K, VR, KO>,
  ): KTable<K, VR>
  join<VO, VR>(other: KTable<K, VO>, joiner: ValueJoiner<V, VO, VR, K>, options?: StoreOptions<K, VR>): KTable<K, VR>
  join(other: KTable<any, any>, a: (...args: any[]) => any, b?: any, c?: any): KTable<K, any> {
    return this.#join(other, a, b, c, 'inner')
  }

  /** Like `join`, but every row of this table shows in the result, joined with `null` when the other has none. */
  leftJoin<KO, VO, VR>(
    other: KTable<KO, VO>,
    foreignKeyExtractor: ValueMapper<V, KO, K>,
    joiner: ValueJoiner<V, VO | null, VR, K>,
    options?: TableJoinedOptions<K, VR, KO>,
  ): KTable<K, VR>
  leftJoin<VO, VR>(other: KTable<K, VO>, joiner: ValueJoiner<V, VO | null, VR, K>, options?: StoreOptions<K, VR>): KTable<K, VR>
  leftJoin(other: KTable<any, any>, a: (...args: any[]) => any, b?: any, c?: any): KTable<K, any> {
    return this.#join(other, a, b, c, 'left')
  }

  /** Rows of either table show in the result, joined with `null` where the other side has none. */
  outerJoin<VO, VR>(other: KTable<K, VO>, joiner: ValueJoiner<V | null, VO | null, VR, K>, options?: StoreOptions<K, VR>): KTable<K, VR> {
    return tableTableJoin<K, V, VO, VR>(this[INTERNALS], other[INTERNALS], joiner, 'outer', options)
  }

  #join(other: KTable<any, any>, a: (...args: any[]) => any, b: any, c: any, kind: TableJoinKind): KTable<K, any> {
    if (typeof b === 'function') return foreignKeyJoin(this[INTERNALS], other[INTERNALS], a, b, kind === 'left', c)
    return tableTableJoin(this[INTERNALS], other[INTERNALS], a, kind, b)
  }

  #filter(predicate: Predicate<K, V>, not: boolean, options: StoreOptions<K, V> | undefined): KTable<K, V> {
    const t = this[INTERNALS]
    const b = t.builder
    const storeName = wantsStore(options) ? (options?.storeName ?? b.newStoreName('KTABLE-FILTER-')) : undefined
    const name = b.nameOr(options?.name, 'KTABLE-FILTER-')
    const flags = { sendOldValues: false }
    b.topology.addProcessor(name, () => new KTableFilter(predicate, not, storeName, flags), t.name)
    return this.#derive<V>(name, storeName, b.valueSerde(options?.value, t.valueSerde), flags, options, () =>
      filterValueGetterSupplier(valueGetterSupplierOf<K, V>(t), predicate, not))
  }

  /**
   * The table after a filter or mapValues. A stored one answers old values and lookups from its
   * own store; one that is not computes them from its parent's, so asking it asks the parent too.
   */
  #derive<VR>(
    name: string,
    storeName: string | undefined,
    valueSerde: TableInternals['valueSerde'],
    flags: { sendOldValues: boolean },
    options: StoreOptions<K, any> | undefined,
    computedGetter: () => KTableValueGetterSupplier<K, VR>,
  ): KTable<K, VR> {
    const t = this[INTERNALS]
    const b = t.builder
    const keySerde = b.keySerde(options?.key, t.keySerde)
    if (storeName !== undefined) b.topology.addStateStore(timestampedStore(b, storeName, options, keySerde, valueSerde), name)
    return new KTable<K, VR>({
      builder: b,
      name,
      keySerde,
      valueSerde,
      storeName,
      enableSendingOldValues: () => {
        flags.sendOldValues = true
        if (storeName === undefined) t.enableSendingOldValues()
      },
      ...(storeName === undefined && { valueGetterSupplier: computedGetter }),
    })
  }
}

