// Type tests for the DSL: checked by `npx tsc --noEmit -p tsconfig.json`, never run.
import type { KeyValue } from '../../src/state/store.ts'
import type { Processor, ProcessorContext, FixedKeyProcessor, FixedKeyProcessorContext } from '../../src/processors/processor.ts'
import type { Record } from '../../src/processors/record.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import type { KStream } from '../../src/topology/dsl/kstream.ts'
import type { KTable } from '../../src/topology/dsl/ktable.ts'
import type { KGroupedStream } from '../../src/topology/dsl/kgrouped-stream.ts'
import type { KGroupedTable } from '../../src/topology/dsl/kgrouped-table.ts'
import type { GlobalKTable } from '../../src/topology/dsl/global-ktable.ts'
import { expectType, type Equal } from './expect.ts'

interface Payment {
  readonly id: string
  readonly amount: number
  readonly currency: string
}

const builder = new StreamsBuilder()
const payments = builder.stream('p', { key: Serdes.string(), value: Serdes.json<Payment>() })
expectType<Equal<typeof payments, KStream<string, Payment>>>()

// Value mappers infer the new value type.
const amounts = payments.mapValues((p) => p.amount)
expectType<Equal<typeof amounts, KStream<string, number>>>()
const withKey = payments.mapValues((p, key) => `${key}:${p.id}`)
expectType<Equal<typeof withKey, KStream<string, string>>>()

// Invariance: a KStream<string, number> is neither a KStream<string, string> nor a wider stream.
function takesStrings(s: KStream<string, string>): KStream<string, string> {
  return s
}
// @ts-expect-error number values are not string values
takesStrings(amounts)
function takesUnknown(s: KStream<string, unknown>): KStream<string, unknown> {
  return s
}
// @ts-expect-error invariant in V, even towards unknown
takesUnknown(amounts)
function takesNumberKeys(s: KStream<number, number>): KStream<number, number> {
  return s
}
// @ts-expect-error invariant in K
takesNumberKeys(amounts)
takesStrings(withKey)

// Stateless operators keep or change the types as they should.
expectType<Equal<typeof payments extends KStream<infer K, infer V> ? [K, V] : never, [string, Payment]>>()
const filtered = payments.filter((_k, p) => p.amount > 0)
expectType<Equal<typeof filtered, KStream<string, Payment>>>()
const mapped = payments.map((_k, p) => [p.currency, p.amount] as const)
expectType<Equal<typeof mapped, KStream<string, number>>>()
const mappedPair = payments.map((_k, p) => [p.currency, p.amount])
expectType<Equal<typeof mappedPair, KStream<string, number>>>()
const mappedKv = payments.map((_k, p) => ({ key: p.amount, value: p.currency }))
expectType<Equal<typeof mappedKv, KStream<number, string>>>()
const flat = payments.flatMap((k, p) => [{ key: k, value: p.amount }] as KeyValue<string, number>[])
expectType<Equal<typeof flat, KStream<string, number>>>()
const flatValues = builder.stream('words', { key: Serdes.string(), value: Serdes.string() }).flatMapValues((line) => line.split(' '))
expectType<Equal<typeof flatValues, KStream<string, string>>>()
const flatPairs = payments.flatMap((k, p) => [[k, p.amount]])
expectType<Equal<typeof flatPairs, KStream<string, number>>>()
const rekeyed = payments.selectKey((_k, p) => p.amount)
expectType<Equal<typeof rekeyed, KStream<number, Payment>>>()
const peeked = payments.peek(() => {})
expectType<Equal<typeof peeked, KStream<string, Payment>>>()
expectType<Equal<ReturnType<typeof payments.foreach>, void>>()
const merged = payments.merge(filtered)
expectType<Equal<typeof merged, KStream<string, Payment>>>()
// @ts-expect-error merge needs the same value type
payments.merge(amounts)
const repartitioned = payments.repartition({ numberOfPartitions: 4 })
expectType<Equal<typeof repartitioned, KStream<string, Payment>>>()

// A type-guard filter narrows.
const maybe = payments.mapValues((p) => (p.amount > 0 ? p : null))
const definite = maybe.filter((_k, p): p is Payment => p !== null)
expectType<Equal<typeof definite, KStream<string, Payment>>>()

// to(): serdes must match the stream's types.
amounts.to('out', { key: Serdes.string(), value: Serdes.long() })
// @ts-expect-error a string serde cannot write number values
amounts.to('out', { value: Serdes.string() })
amounts.to((record) => `amounts-${record.key}`)

// Grouping and aggregating.
const grouped = payments.groupBy((_k, p) => p.currency)
expectType<Equal<typeof grouped, KGroupedStream<string, Payment>>>()
const counts = grouped.count()
expectType<Equal<typeof counts, KTable<string, number>>>()
const byKey = payments.groupByKey().count({ storeName: 'c' })
expectType<Equal<typeof byKey, KTable<string, number>>>()
const totals = grouped.aggregate(() => ({ total: 0, n: 0 }), (_k, p, agg) => ({ total: agg.total + p.amount, n: agg.n + 1 }))
expectType<Equal<typeof totals, KTable<string, { total: number; n: number }>>>()
const sums = grouped.aggregate(() => 0, (_k, p, sum) => sum + p.amount)
expectType<Equal<typeof sums, KTable<string, number>>>()
// @ts-expect-error the aggregator must return the initializer's type
grouped.aggregate(() => 0, (_k, p) => p.currency)
const largest = grouped.reduce((a, b) => (a.amount >= b.amount ? a : b))
expectType<Equal<typeof largest, KTable<string, Payment>>>()
const asTable = payments.toTable()
expectType<Equal<typeof asTable, KTable<string, Payment>>>()
const tableStream = counts.toStream()
expectType<Equal<typeof tableStream, KStream<string, number | null>>>()

// Tables.
const users = builder.table('users', { key: Serdes.string(), value: Serdes.json<{ name: string; region: string }>() })
expectType<Equal<typeof users, KTable<string, { name: string; region: string }>>>()
const names = users.mapValues((u) => u.name)
expectType<Equal<typeof names, KTable<string, string>>>()
const regrouped = users.groupBy((_id, u) => [u.region, u.name] as const)
expectType<Equal<typeof regrouped, KGroupedTable<string, string>>>()
const perRegion = regrouped.count()
expectType<Equal<typeof perRegion, KTable<string, number>>>()
const nameLengths = regrouped.aggregate(() => 0, (_r, name, sum) => sum + name.length, (_r, name, sum) => sum - name.length)
expectType<Equal<typeof nameLengths, KTable<string, number>>>()
const concat = regrouped.reduce((a, b) => a + b, (a, b) => a.replace(b, ''))
expectType<Equal<typeof concat, KTable<string, string>>>()
const global = builder.globalTable('rates', { key: Serdes.string(), value: Serdes.double() })
expectType<Equal<typeof global, GlobalKTable<string, number>>>()

// Branches are KStream<K, V>, keyed by `<split name><branch name>`.
const branches = payments
  .split({ name: 'pay-' })
  .branch((_k, p) => p.amount > 100, { name: 'large' })
  .branch((_k, p) => p.amount > 0, { name: 'small' })
  .defaultBranch({ name: 'other' })
expectType<Equal<typeof branches['pay-large'], KStream<string, Payment>>>()
expectType<Equal<keyof typeof branches, 'pay-large' | 'pay-small' | 'pay-other'>>()
// @ts-expect-error no such branch
void branches['pay-huge']
const unnamed = payments.split().branch((_k, p) => p.amount > 0).noDefaultBranch()
expectType<Equal<(typeof unnamed)[string], KStream<string, Payment>>>()
const numbered = payments.split({ name: 's-' }).branch((_k, p) => p.amount > 0).defaultBranch()
expectType<Equal<(typeof numbered)['s-1'], KStream<string, Payment>>>()
expectType<Equal<(typeof numbered)['s-0'], KStream<string, Payment>>>()

// process() infers the output types from the processor.
class Enrich implements Processor<string, Payment, number, string> {
  private context!: ProcessorContext<number, string>
  init(context: ProcessorContext<number, string>): void {
    this.context = context
  }
  process(record: Record<string, Payment>): void {
    this.context.forward(record.withKey(record.value.amount).withValue(record.value.id))
  }
}
const enriched = payments.process(() => new Enrich())
expectType<Equal<typeof enriched, KStream<number, string>>>()
// @ts-expect-error the processor's input types must match the stream
amounts.process(() => new Enrich())
class Upper implements FixedKeyProcessor<string, Payment, string> {
  private context!: FixedKeyProcessorContext<string, string>
  init(context: FixedKeyProcessorContext<string, string>): void {
    this.context = context
  }
  process(record: Record<string, Payment>): void {
    this.context.forward(record.withValue(record.value.currency.toUpperCase()))
  }
}
const upper = payments.processValues(() => new Upper(), { stores: [] })
expectType<Equal<typeof upper, KStream<string, string>>>()

// Sources without serdes have unknown types (and need builder defaults at run time).
const defaults = new StreamsBuilder({ defaultKeySerde: Serdes.string(), defaultValueSerde: Serdes.string() })
const raw = defaults.stream('raw')
expectType<Equal<typeof raw, KStream<unknown, unknown>>>()
const typed = defaults.stream<string, string>('typed')
expectType<Equal<typeof typed, KStream<string, string>>>()

// An inline processor: the record is typed from the stream, the outputs from the context annotation.
let inlineContext: ProcessorContext<string, boolean> | undefined
const inline = payments.process(() => ({
  init(context: ProcessorContext<string, boolean>) {
    inlineContext = context
  },
  process(record) {
    expectType<Equal<typeof record, Record<string, Payment>>>()
    inlineContext?.forward(record.withValue(record.value.amount > 0))
  },
}))
expectType<Equal<typeof inline, KStream<string, boolean>>>()
// A processor that forwards nothing ends in a stream of never.
const sinkOnly = payments.process(() => ({ process(_record: Record<string, Payment>) {} }))
expectType<Equal<typeof sinkOnly, KStream<never, never>>>()
