import type { ForeachAction, KeyValueLike, KeyValueMapper, Predicate, ValueJoiner, ValueMapper } from '../../processors/functions.ts'
import { KStreamFilter } from '../../processors/kstream-filter.ts'
import { KStreamFlatMapValues } from '../../processors/kstream-flat-map-values.ts'
import { KStreamFlatMap } from '../../processors/kstream-flat-map.ts'
import { KStreamMapValues } from '../../processors/kstream-map-values.ts'
import { KStreamMap, KStreamSelectKey } from '../../processors/kstream-map.ts'
import { KStreamPeek } from '../../processors/kstream-peek.ts'
import { KStreamProcessValues } from '../../processors/kstream-process-values.ts'
import { KTableSource } from '../../processors/ktable-source.ts'
import { PassThrough } from '../../processors/pass-through.ts'
import type { FixedKeyProcessorSupplier, ProcessorSupplier } from '../../processors/processor.ts'
import type { Serde } from '../../serdes/serde.ts'
import type { TopicNameExtractor } from '../nodes.ts'
import { BranchedKStream } from './branched-kstream.ts'
import { GlobalKTable } from './global-ktable.ts'
import { SINK_NAME } from './internal-builder.ts'
import { INTERNALS, type StreamInternals } from './internals.ts'
import type { JoinedOptions, StreamJoinedOptions } from './join-options.ts'
import { JoinWindows } from './join-windows.ts'
import { streamGlobalTableJoin, streamTableJoin } from './joins.ts'
import { KGroupedStream } from './kgrouped-stream.ts'
import { KTable } from './ktable.ts'
import { timestampedStore } from './materialized.ts'
import type { GroupedOptions, NamedOptions, ProcessOptions, ProducedOptions, RepartitionOptions, SplitOptions, StoreOptions } from './options.ts'
import { connectStores } from './process-stores.ts'
import { streamStreamJoin } from './stream-stream-join.ts'

/**
 * A record stream (Kafka Streams' `KStream`). Operators append processor nodes to the builder's
 * topology and return the stream after them; nothing runs until the topology does.
 *
 * Key and value types are invariant (`in out`): a `KStream<string, number>` is not a
 * `KStream<string, string>` nor a `KStream<string, unknown>`, since operators both read and
 * write them (serdes, merge).
 *
 * Operators that may change the key (`map`, `flatMap`, `selectKey`, `process`) mark the stream for
 * repartitioning: the next stateful operator first sends it through a repartition topic so each
 * key lands on the task that owns it. Serdes follow the stream while the types stay the same.
 */
export class KStream<in out K, in out V> {
  /** @internal */
  readonly [INTERNALS]: StreamInternals

  /** @internal Streams are made by `StreamsBuilder.stream()` and by operators. */
  constructor(internals: StreamInternals) {
    this[INTERNALS] = internals
  }

  /** Keeps the records the predicate accepts; a type-guard predicate narrows the value type. */
  filter<VS extends V>(predicate: (key: K, value: V) => value is VS, options?: NamedOptions): KStream<K, VS>
  filter(predicate: Predicate<K, V>, options?: NamedOptions): KStream<K, V>
  filter(predicate: Predicate<K, V>, options?: NamedOptions): KStream<K, V> {
    return this.#filter(predicate, false, options)
  }

  /** Drops the records the predicate accepts. */
  filterNot(predicate: Predicate<K, V>, options?: NamedOptions): KStream<K, V> {
    return this.#filter(predicate, true, options)
  }

  /** A new key and value per record (`{ key, value }` or `[key, value]`); needs repartitioning. */
  map<KR, VR>(mapper: KeyValueMapper<K, V, KeyValueLike<KR, VR>>, options?: NamedOptions): KStream<KR, VR> {
    return this.#add('KSTREAM-MAP-', options, () => new KStreamMap(mapper), undefined, undefined, true)
  }

  /** A new value per record, `(value, key) => newValue`; the key and its serde stay. */
  mapValues<VR>(mapper: ValueMapper<V, VR, K>, options?: NamedOptions): KStream<K, VR> {
    const i = this[INTERNALS]
    return this.#add('KSTREAM-MAPVALUES-', options, () => new KStreamMapValues(mapper), i.keySerde, undefined, i.repartitionRequired)
  }

  /** Zero or more new key-value pairs per record; needs repartitioning. */
  flatMap<KR, VR>(mapper: KeyValueMapper<K, V, Iterable<KeyValueLike<KR, VR>>>, options?: NamedOptions): KStream<KR, VR> {
    return this.#add('KSTREAM-FLATMAP-', options, () => new KStreamFlatMap(mapper), undefined, undefined, true)
  }

  /** Zero or more values per record, `(value, key) => iterable`, under the same key. */
  flatMapValues<VR>(mapper: ValueMapper<V, Iterable<VR>, K>, options?: NamedOptions): KStream<K, VR> {
    const i = this[INTERNALS]
    return this.#add('KSTREAM-FLATMAPVALUES-', options, () => new KStreamFlatMapValues(mapper), i.keySerde, undefined, i.repartitionRequired)
  }

  /** A new key per record, the value stays; needs repartitioning. */
  selectKey<KR>(mapper: KeyValueMapper<K, V, KR>, options?: NamedOptions): KStream<KR, V> {
    return this.#add('KSTREAM-KEY-SELECT-', options, () => new KStreamSelectKey(mapper), undefined, this[INTERNALS].valueSerde, true)
  }

  /** Calls the action for each record and passes the record on. */
  peek(action: ForeachAction<K, V>, options?: NamedOptions): KStream<K, V> {
    const i = this[INTERNALS]
    return this.#add('KSTREAM-PEEK-', options, () => new KStreamPeek(action, true), i.keySerde, i.valueSerde, i.repartitionRequired)
  }

  /** Calls the action for each record; the end of this branch of the topology. */
  foreach(action: ForeachAction<K, V>, options?: NamedOptions): void {
    this.#add('KSTREAM-FOREACH-', options, () => new KStreamPeek(action, false), undefined, undefined, false)
  }

  /**
   * Splits the stream by predicates: each record goes to the first branch that accepts it.
   * `defaultBranch()` / `noDefaultBranch()` end the split and return the branches by name.
   */
  split<const P extends string = string>(options?: SplitOptions & { readonly name?: P }): BranchedKStream<K, V, P, never> {
    return new BranchedKStream(this[INTERNALS], options?.name)
  }

  /** Both streams' records in one stream (no ordering between them beyond each one's own). */
  merge(other: KStream<K, V>, options?: NamedOptions): KStream<K, V> {
    const i = this[INTERNALS]
    const o = other[INTERNALS]
    const name = i.builder.nameOr(options?.name, 'KSTREAM-MERGE-')
    i.builder.topology.addProcessor(name, () => new PassThrough(), i.name, o.name)
    return new KStream({
      builder: i.builder,
      name,
      keySerde: sameSerde(i.keySerde, o.keySerde),
      valueSerde: sameSerde(i.valueSerde, o.valueSerde),
      repartitionRequired: i.repartitionRequired || o.repartitionRequired,
    })
  }

  /**
   * Writes the stream to a topic, or to the topic the extractor picks per record. Serdes not
   * given are the stream's known ones; without any, this fails here, naming the operator.
   */
  to(topic: string | TopicNameExtractor<K, V>, options?: ProducedOptions<K, V>): void {
    const i = this[INTERNALS]
    const operator = typeof topic === 'string' ? `to("${topic}")` : 'to(<topic extractor>)'
    const keySerde = i.builder.requireSerde(i.builder.keySerde(options?.key, i.keySerde), 'key', operator)
    const valueSerde = i.builder.requireSerde(i.builder.valueSerde(options?.value, i.valueSerde), 'value', operator)
    const name = i.builder.nameOr(options?.name, SINK_NAME)
    const partitioner = options?.partitioner
    i.builder.topology.addSink(name, topic, { keySerde, valueSerde, ...(partitioner ? { partitioner } : {}) }, i.name)
  }

  /** Sends the stream through a repartition topic `<name>-repartition` (by its current key). */
  repartition(options?: RepartitionOptions<K, V>): KStream<K, V> {
    const i = this[INTERNALS]
    const b = i.builder
    const name = b.nameOr(options?.name, 'KSTREAM-REPARTITION-')
    const keySerde = b.keySerde(options?.key, i.keySerde)
    const valueSerde = b.valueSerde(options?.value, i.valueSerde)
    const source = b.repartition(i.name, name, b.internalSerde(keySerde), b.internalSerde(valueSerde), {
      dropNullKeys: false,
      ...(options?.numberOfPartitions !== undefined ? { numPartitions: options.numberOfPartitions } : {}),
      ...(options?.partitioner ? { partitioner: options.partitioner } : {}),
    })
    return new KStream({ builder: b, name: source, keySerde, valueSerde, repartitionRequired: false })
  }

  /**
   * A custom processor (Processor API) with access to the named stores; the output types come
   * from the processor's `ProcessorContext<KOut, VOut>`. It may change keys: needs repartitioning.
   */
  process<KOut = never, VOut = never>(supplier: ProcessorSupplier<K, V, KOut, VOut>, options?: ProcessOptions): KStream<KOut, VOut> {
    const stream = this.#add<KOut, VOut>('KSTREAM-PROCESSOR-', options, supplier, undefined, undefined, true)
    connectStores(this[INTERNALS].builder, stream[INTERNALS].name, options?.stores)
    return stream
  }

  /** A custom processor that keeps keys (it must not change them), so no repartitioning follows. */
  processValues<VOut = never>(supplier: FixedKeyProcessorSupplier<K, V, VOut>, options?: ProcessOptions): KStream<K, VOut> {
    const i = this[INTERNALS]
    let name = ''
    const guarded: ProcessorSupplier<K, V, K, VOut> = () => new KStreamProcessValues(supplier(), () => name)
    const stream = this.#add<K, VOut>('KSTREAM-PROCESSVALUES-', options, guarded, i.keySerde, undefined, i.repartitionRequired)
    name = stream[INTERNALS].name
    connectStores(i.builder, stream[INTERNALS].name, options?.stores)
    return stream
  }

  /** Groups by the current key for an aggregation (repartitioning first if the key changed). */
  groupByKey(options?: GroupedOptions<K, V>): KGroupedStream<K, V> {
    const i = this[INTERNALS]
    return new KGroupedStream({
      builder: i.builder,
      name: i.name,
      keySerde: i.builder.keySerde(options?.key, i.keySerde),
      valueSerde: i.builder.valueSerde(options?.value, i.valueSerde),
      repartitionRequired: i.repartitionRequired,
      repartitionName: options?.name,
    })
  }

  /** Groups by a new key, `(key, value) => groupKey`; the aggregation repartitions by it. */
  groupBy<KR>(selector: KeyValueMapper<K, V, KR>, options?: GroupedOptions<KR, V>): KGroupedStream<KR, V> {
    const i = this[INTERNALS]
    const name = i.builder.nameOr(options?.name, 'KSTREAM-KEY-SELECT-')
    i.builder.topology.addProcessor(name, () => new KStreamSelectKey(selector), i.name)
    return new KGroupedStream({
      builder: i.builder,
      name,
      keySerde: i.builder.keySerde(options?.key, undefined),
      valueSerde: i.builder.valueSerde(options?.value, i.valueSerde),
      repartitionRequired: true,
      repartitionName: options?.name,
    })
  }

  /**
   * Joins each record with the table's current row for its key, `(value, tableValue, key) => result`;
   * records without a row are dropped, table updates emit nothing. With a global table, a key
   * selector `(key, value) => tableKey` picks the row instead (no co-partitioning needed). With
   * another stream and `JoinWindows`, each record joins the other stream's records with the same
   * key within the window, whichever arrives first.
   */
  join<VT, VR>(table: KTable<K, VT>, joiner: ValueJoiner<V, VT, VR, K>, options?: JoinedOptions<K, V, VT>): KStream<K, VR>
  join<GK, GV, VR>(globalTable: GlobalKTable<GK, GV>, keySelector: KeyValueMapper<K, V, GK>, joiner: ValueJoiner<V, GV, VR, K>, options?: NamedOptions): KStream<K, VR>
  join<VO, VR>(other: KStream<K, VO>, joiner: ValueJoiner<V, VO, VR, K>, windows: JoinWindows, options?: StreamJoinedOptions<K, V, VO>): KStream<K, VR>
  join(other: JoinPartner<K>, a: (...args: any[]) => any, b?: any, c?: any): KStream<K, any> {
    return this.#join(other, a, b, c, 'inner')
  }

  /** Like `join`, but a record without a partner joins with `null` (for streams: once its window has closed). */
  leftJoin<VT, VR>(table: KTable<K, VT>, joiner: ValueJoiner<V, VT | null, VR, K>, options?: JoinedOptions<K, V, VT>): KStream<K, VR>
  leftJoin<GK, GV, VR>(globalTable: GlobalKTable<GK, GV>, keySelector: KeyValueMapper<K, V, GK>, joiner: ValueJoiner<V, GV | null, VR, K>, options?: NamedOptions): KStream<K, VR>
  leftJoin<VO, VR>(other: KStream<K, VO>, joiner: ValueJoiner<V, VO | null, VR, K>, windows: JoinWindows, options?: StreamJoinedOptions<K, V, VO>): KStream<K, VR>
  leftJoin(other: JoinPartner<K>, a: (...args: any[]) => any, b?: any, c?: any): KStream<K, any> {
    return this.#join(other, a, b, c, 'left')
  }

  /**
   * A windowed join where records of either stream without a partner are emitted joined with
   * `null` once their window has closed: `(value | null, otherValue | null, key) => result`.
   */
  outerJoin<VO, VR>(other: KStream<K, VO>, joiner: ValueJoiner<V | null, VO | null, VR, K>, windows: JoinWindows, options?: StreamJoinedOptions<K, V, VO>): KStream<K, VR> {
    return this.#join(other, joiner, windows, options, 'outer')
  }

  /** The stream as a changelog: each record upserts its key's row, a null value deletes it. */
  toTable(options?: StoreOptions<K, V>): KTable<K, V> {
    const i = this[INTERNALS]
    const b = i.builder
    const name = b.nameOr(options?.name, 'KSTREAM-TOTABLE-')
    const storeName = options?.storeName ?? b.newStoreName('KSTREAM-TOTABLE-')
    const keySerde = b.keySerde(options?.key, i.keySerde)
    const valueSerde = b.valueSerde(options?.value, i.valueSerde)
    const parent = i.repartitionRequired
      ? b.repartition(i.name, name, b.internalSerde(keySerde), b.internalSerde(valueSerde), { dropNullKeys: true })
      : i.name
    const flags = { sendOldValues: false }
    b.topology.addProcessor(name, () => new KTableSource(storeName, flags), parent)
    b.topology.addStateStore(timestampedStore(b, storeName, options, keySerde, valueSerde), name)
    return new KTable({
      builder: b,
      name,
      keySerde,
      valueSerde,
      storeName,
      enableSendingOldValues: () => {
        flags.sendOldValues = true
      },
    })
  }

  #join(other: JoinPartner<K>, a: (...args: any[]) => any, b: any, c: any, kind: 'inner' | 'left' | 'outer'): KStream<K, any> {
    const left = kind !== 'inner'
    if (other instanceof KStream) {
      if (!(b instanceof JoinWindows)) throw new TypeError(`A stream-stream ${kind} join needs JoinWindows as its third argument`)
      return streamStreamJoin(this[INTERNALS], other[INTERNALS], a, b, kind, c)
    }
    if (other instanceof GlobalKTable) return streamGlobalTableJoin(this[INTERNALS], other, a, b, left, c)
    if (other instanceof KTable) return streamTableJoin(this[INTERNALS], other[INTERNALS], a, left, b)
    throw new TypeError(`${left ? 'leftJoin' : 'join'}() joins a KStream, a KTable or a GlobalKTable, got ${String(other)}`)
  }

  #filter(predicate: Predicate<K, V>, not: boolean, options: NamedOptions | undefined): KStream<K, V> {
    const i = this[INTERNALS]
    return this.#add('KSTREAM-FILTER-', options, () => new KStreamFilter(predicate, not), i.keySerde, i.valueSerde, i.repartitionRequired)
  }

  #add<KR, VR>(
    prefix: string,
    options: NamedOptions | undefined,
    supplier: ProcessorSupplier<K, V, KR, VR>,
    keySerde: Serde<any> | undefined,
    valueSerde: Serde<any> | undefined,
    repartitionRequired: boolean,
  ): KStream<KR, VR> {
    const i = this[INTERNALS]
    const name = i.builder.nameOr(options?.name, prefix)
    i.builder.topology.addProcessor(name, supplier, i.name)
    return new KStream<KR, VR>({ builder: i.builder, name, keySerde, valueSerde, repartitionRequired })
  }
}

/** What a stream joins with. */
type JoinPartner<K> = KStream<K, any> | KTable<K, any> | GlobalKTable<any, any>

/**
 * A merged stream keeps a serde only when both inputs use it. Kafka drops both; comparing by name
 * keeps the common case (both `Serdes.string()`) typed, and the types are equal by signature.
 */
function sameSerde(a: Serde<any> | undefined, b: Serde<any> | undefined): Serde<any> | undefined {
  return a !== undefined && b !== undefined && (a === b || a.name === b.name) ? a : undefined
}
