import { KStreamFilter, isKeyPresent } from '../../processors/kstream-filter.ts'
import type { Serde } from '../../serdes/serde.ts'
import type { StreamPartitioner } from '../nodes.ts'
import { Topology } from '../topology.ts'
import { structuredSerde } from './structured-serde.ts'

export const SOURCE_NAME = 'KSTREAM-SOURCE-'
export const SINK_NAME = 'KSTREAM-SINK-'
export const FILTER_NAME = 'KSTREAM-FILTER-'
export const REPARTITION_TOPIC_SUFFIX = '-repartition'

/** Generated names (`<PREFIX>0000000007`): Kafka uses the user's node names only when given. */
const GENERATED = /^KSTREAM.*-[0-9]{10}$/

export interface BuilderDefaults {
  readonly defaultKeySerde?: Serde<any>
  readonly defaultValueSerde?: Serde<any>
}

/**
 * What every DSL object shares (Kafka's `InternalStreamsBuilder`): the low-level Topology the DSL
 * appends to, the one counter behind all generated names, and the serde rules.
 */
export class InternalStreamsBuilder {
  readonly topology = new Topology()
  readonly defaultKeySerde: Serde<any> | undefined
  readonly defaultValueSerde: Serde<any> | undefined
  #index = 0

  constructor(defaults: BuilderDefaults) {
    this.defaultKeySerde = defaults.defaultKeySerde
    this.defaultValueSerde = defaults.defaultValueSerde
  }

  /** `KSTREAM-FILTER-0000000003`: the counter is shared by processors and stores, as in Kafka. */
  newProcessorName(prefix: string): string {
    return prefix + String(this.#index++).padStart(10, '0')
  }

  newStoreName(prefix: string): string {
    return `${prefix}STATE-STORE-${String(this.#index++).padStart(10, '0')}`
  }

  /** The user's name, or a generated one (generating only then, so numbering matches Kafka). */
  nameOr(name: string | undefined, prefix: string): string {
    return name ?? this.newProcessorName(prefix)
  }

  /** A serde the user's data is known to use: given, else carried from upstream, else the default. */
  keySerde<K>(given: Serde<K> | undefined, carried: Serde<K> | undefined): Serde<K> | undefined {
    return given ?? carried ?? this.defaultKeySerde
  }

  valueSerde<V>(given: Serde<V> | undefined, carried: Serde<V> | undefined): Serde<V> | undefined {
    return given ?? carried ?? this.defaultValueSerde
  }

  /**
   * For the application's own topics and stores, an unknown serde falls back to the structured
   * serde (see structured-serde.ts); user topics never do (see `requireSerde`).
   */
  internalSerde<T>(known: Serde<T> | undefined): Serde<T> {
    return known ?? structuredSerde<T>()
  }

  requireSerde<T>(known: Serde<T> | undefined, which: 'key' | 'value', operator: string): Serde<T> {
    if (known !== undefined) return known
    throw new TypeError(
      `${operator} needs a ${which} serde: none was given, none is known from upstream ` +
        `(operators that change the ${which} drop it) and the StreamsBuilder has no default${which === 'key' ? 'Key' : 'Value'}Serde. ` +
        `Pass { ${which}: Serdes.… } to ${operator}, or new StreamsBuilder({ default${which === 'key' ? 'Key' : 'Value'}Serde })`,
    )
  }

  /**
   * Inserts a repartition topic after `parent` (Kafka's `createRepartitionedSource`): a filter
   * dropping null keys, a sink to `<prefix>-repartition` and a source reading it back. Returns the
   * source's name. Node names are generated unless the prefix is the user's own name, in which
   * case they are `<topic>-filter` / `-sink` / `-source`; the counter advances either way.
   */
  repartition(
    parent: string,
    prefix: string,
    keySerde: Serde<any>,
    valueSerde: Serde<any>,
    options: { readonly numPartitions?: number; readonly partitioner?: StreamPartitioner<any, any>; readonly dropNullKeys: boolean },
  ): string {
    const topic = prefix.endsWith(REPARTITION_TOPIC_SUFFIX) ? prefix : prefix + REPARTITION_TOPIC_SUFFIX
    let sinkName = this.newProcessorName(SINK_NAME)
    let filterName = this.newProcessorName(FILTER_NAME)
    let sourceName = this.newProcessorName(SOURCE_NAME)
    if (!GENERATED.test(prefix)) {
      sinkName = `${topic}-sink`
      filterName = `${topic}-filter`
      sourceName = `${topic}-source`
    }
    const predicate = options.dropNullKeys ? isKeyPresent : alwaysTrue
    this.topology.addInternalTopic({ name: topic, type: 'repartition', numPartitions: options.numPartitions, config: {} })
    this.topology.addProcessor(filterName, () => new KStreamFilter(predicate, false), parent)
    this.topology.addSink(sinkName, topic, { keySerde, valueSerde, ...(options.partitioner ? { partitioner: options.partitioner } : {}) }, filterName)
    this.topology.addSource(sourceName, topic, { keySerde, valueSerde })
    return sourceName
  }
}

function alwaysTrue(): boolean {
  return true
}
