/**
 * The kstreams side of each workload; bench/java/src/main/java/kstreams/bench/Topologies.java
 * builds the same topologies on Kafka Streams. Keys are strings, values 100 random bytes.
 */
import { Serdes, Stores, StreamsBuilder, TimeWindows, WindowedSerdes, type Topology } from '../../src/index.ts'
import type { Processor, ProcessorContext } from '../../src/processors/processor.ts'
import type { Record } from '../../src/processors/record.ts'
import type { KeyValueStore } from '../../src/state/store.ts'

const key = Serdes.string()
const bytes = Serdes.bytes()
const long = Serdes.long()

export type StreamsWorkload = 'w1' | 'w2' | 'w3' | 'w3w' | 'w4' | 'w5' | 'w6'

export interface TopologyArgs {
  readonly input: string
  readonly output: string
  readonly table?: string | undefined
}

/** A copy of the value with its first byte flipped (W1's mapValues, as the Java peer's). */
export function flipFirst(v: Buffer): Buffer {
  const copy = Buffer.allocUnsafe(v.length)
  v.copy(copy)
  copy[0]! ^= 1
  return copy
}

/** The stream value's first half, then the table value's first half (or the stream value's second half). */
export function join(v: Buffer, tv: Buffer | null): Buffer {
  const out = Buffer.allocUnsafe(v.length)
  const half = v.length >> 1
  v.copy(out, 0, 0, half)
  if (tv !== null) tv.copy(out, half, 0, Math.min(v.length - half, tv.length))
  else v.copy(out, half, half)
  return out
}

/** W2: a get and a put on a persistent store per record (SimpleBenchmark's streamprocesswithstatestore). */
class GetPut implements Processor<string, Buffer, string, number> {
  #context!: ProcessorContext<string, number>
  #store!: KeyValueStore<string, number>
  init(context: ProcessorContext<string, number>): void {
    this.#context = context
    this.#store = context.getStateStore<KeyValueStore<string, number>>('store')
  }
  process(record: Record<string, Buffer>): void {
    const next = (this.#store.get(record.key) ?? 0) + 1
    this.#store.put(record.key, next)
    this.#context.forward(record.withValue(next))
  }
}

export function buildTopology(workload: StreamsWorkload, args: TopologyArgs): Topology {
  const b = new StreamsBuilder()
  const stream = b.stream(args.input, { key, value: bytes })
  switch (workload) {
    case 'w1':
    case 'w6':
      stream.filter((_k, v) => (v[0]! & 1) === 0).mapValues(flipFirst).to(args.output, { key, value: bytes })
      break
    case 'w2':
    case 'w5':
      b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore('store'), key, long))
      stream.process(() => new GetPut(), { stores: ['store'] }).to(args.output, { key, value: long })
      break
    case 'w3':
      stream.groupByKey().count().toStream().to(args.output, { key, value: long })
      break
    case 'w3w':
      stream
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeWithNoGrace(1000).advanceBy(500))
        .count()
        .toStream()
        .to(args.output, { key: WindowedSerdes.timeWindowed(key, 1000), value: long })
      break
    case 'w4': {
      const table = b.table(args.table!, { key, value: bytes })
      stream.leftJoin(table, join).to(args.output, { key, value: bytes })
      break
    }
  }
  return b.build()
}
