import type { Serde } from '../../serdes/serde.ts'
import type { TimestampExtractor } from '../../topology/nodes.ts'
import type { ProcessorNode } from './processor-node.ts'

/**
 * A source of the task: how to turn a consumed record's bytes into a typed record. Null bytes stay
 * null (a tombstone never reaches a serde); without a serde, keys and values stay `Buffer`.
 */
export class SourceNode {
  readonly name: string
  readonly node: ProcessorNode
  readonly keySerde: Serde<any> | undefined
  readonly valueSerde: Serde<any> | undefined
  readonly timestampExtractor: TimestampExtractor | undefined

  constructor(
    node: ProcessorNode,
    keySerde: Serde<any> | undefined,
    valueSerde: Serde<any> | undefined,
    timestampExtractor: TimestampExtractor | undefined,
  ) {
    this.name = node.name
    this.node = node
    this.keySerde = keySerde
    this.valueSerde = valueSerde
    this.timestampExtractor = timestampExtractor
  }

  deserializeKey(topic: string, data: Buffer | null): unknown {
    if (data === null) return null
    return this.keySerde === undefined ? data : this.keySerde.deserialize(topic, data)
  }

  deserializeValue(topic: string, data: Buffer | null): unknown {
    if (data === null) return null
    return this.valueSerde === undefined ? data : this.valueSerde.deserialize(topic, data)
  }

  /**
   * The serdes' async look-ahead (schema lookups) for records about to be queued; undefined when
   * nothing needs fetching, so the common case costs no promise.
   */
  prepare(topic: string, key: Buffer | null, value: Buffer | null): Promise<void> | undefined {
    const k = key !== null && this.keySerde?.prepare !== undefined ? this.keySerde.prepare(topic, key) : undefined
    const v = value !== null && this.valueSerde?.prepare !== undefined ? this.valueSerde.prepare(topic, value) : undefined
    if (k === undefined) return v
    if (v === undefined) return k
    return Promise.all([k, v]).then(() => undefined)
  }
}
