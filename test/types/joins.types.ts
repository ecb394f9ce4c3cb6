// Type tests for joins and cogroup: checked by `npx tsc --noEmit -p tsconfig.json`, never run.
import { Serdes } from '../../src/serdes/serdes.ts'
import type { Windowed } from '../../src/state/windowed.ts'
import type { CogroupedKStream } from '../../src/topology/dsl/cogrouped-kstream.ts'
import { JoinWindows } from '../../src/topology/dsl/join-windows.ts'
import type { KStream } from '../../src/topology/dsl/kstream.ts'
import type { KTable } from '../../src/topology/dsl/ktable.ts'
import { SessionWindows } from '../../src/topology/dsl/session-windows.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { TimeWindows } from '../../src/topology/dsl/time-windows.ts'
import { expectType, type Equal } from './expect.ts'

interface Order {
  readonly id: string
  readonly customerId: string
  readonly productId: number
  readonly amount: number
}
interface Customer {
  readonly name: string
  readonly tier: 'gold' | 'basic'
}

const b = new StreamsBuilder()
const orders = b.stream('orders', { key: Serdes.string(), value: Serdes.json<Order>() })
const customers = b.table('customers', { key: Serdes.string(), value: Serdes.json<Customer>() })
const products = b.table('products', { key: Serdes.integer(), value: Serdes.string() })
const rates = b.globalTable('rates', { key: Serdes.string(), value: Serdes.double() })

// Stream-table: the joiner's parameters are inferred, the result's value type is the joiner's.
const enriched = orders.join(customers, (order, customer, key) => {
  expectType<Equal<typeof order, Order>>()
  expectType<Equal<typeof customer, Customer>>()
  expectType<Equal<typeof key, string>>()
  return { order, tier: customer.tier }
})
expectType<Equal<typeof enriched, KStream<string, { order: Order; tier: 'gold' | 'basic' }>>>()
// A left join's table value may be null.
const maybeEnriched = orders.leftJoin(customers, (order, customer) => {
  expectType<Equal<typeof customer, Customer | null>>()
  return customer?.name ?? order.customerId
})
expectType<Equal<typeof maybeEnriched, KStream<string, string>>>()
// @ts-expect-error a left join's table value must be checked for null
orders.leftJoin(customers, (_order, customer) => customer.name)
// @ts-expect-error the table's key type must be the stream's
orders.join(products, (o, p) => `${o.id}${p}`)

// Stream-global-table: the key selector's result must be the global table's key type.
const converted = orders.join(rates, (_k, order) => order.customerId, (order, rate) => order.amount * rate)
expectType<Equal<typeof converted, KStream<string, number>>>()
const convertedOrZero = orders.leftJoin(rates, (_k, o) => o.customerId, (_o, rate) => rate ?? 0)
expectType<Equal<typeof convertedOrZero, KStream<string, number>>>()
// @ts-expect-error the global table is keyed by string, not number
orders.join(rates, (_k, order) => order.productId, (order, rate) => order.amount * rate)

// Stream-stream: windowed; left and outer joins see null for a missing partner.
const payments = b.stream('payments', { key: Serdes.string(), value: Serdes.double() })
const window = JoinWindows.ofTimeDifferenceAndGrace(60_000, 5_000)
const paid = orders.join(payments, (order, paidAmount) => paidAmount >= order.amount, window)
expectType<Equal<typeof paid, KStream<string, boolean>>>()
const unpaid = orders.leftJoin(payments, (order, p) => {
  expectType<Equal<typeof p, number | null>>()
  return p === null ? order.id : null
}, window)
expectType<Equal<typeof unpaid, KStream<string, string | null>>>()
const either = orders.outerJoin(payments, (order, p) => {
  expectType<Equal<typeof order, Order | null>>()
  expectType<Equal<typeof p, number | null>>()
  return [order?.id, p] as const
}, window.before(0))
expectType<Equal<typeof either, KStream<string, readonly [string | undefined, number | null]>>>()
// @ts-expect-error a stream-stream join needs windows
orders.join(payments, (order, p) => order.amount + p)

// Table-table.
const tiers = b.table('tiers', { key: Serdes.string(), value: Serdes.long() })
const joinedTable = customers.join(tiers, (c, t) => `${c.name}:${t}`)
expectType<Equal<typeof joinedTable, KTable<string, string>>>()
const leftTable = customers.leftJoin(tiers, (c, t) => {
  expectType<Equal<typeof t, number | null>>()
  return c.name
}, { storeName: 'names' })
expectType<Equal<typeof leftTable, KTable<string, string>>>()
const outerTable = customers.outerJoin(tiers, (c, t) => (c === null ? t : c.name))
expectType<Equal<typeof outerTable, KTable<string, string | number | null>>>()

// Foreign-key: the extractor gives the other table's key type; the result keeps this table's key.
const orderTable = orders.toTable()
const withProduct = orderTable.join(products, (order) => order.productId, (order, product) => `${order.id}:${product}`)
expectType<Equal<typeof withProduct, KTable<string, string>>>()
const withMaybeProduct = orderTable.leftJoin(products, (order) => order.productId, (order, product) => {
  expectType<Equal<typeof product, string | null>>()
  return product ?? order.id
}, { name: 'order-products' })
expectType<Equal<typeof withMaybeProduct, KTable<string, string>>>()
// @ts-expect-error products are keyed by number
orderTable.join(products, (order) => order.customerId, (order, product) => `${order.id}:${product}`)

// Cogroup: one aggregate type across inputs of different value types.
const clicks = b.stream('clicks', { key: Serdes.string(), value: Serdes.string() }).groupByKey()
const spend = orders.groupBy((_k, o) => o.customerId)
const cogrouped = clicks.cogroup((_k, _click, agg: { clicks: number; spent: number }) => ({ ...agg, clicks: agg.clicks + 1 }))
expectType<Equal<typeof cogrouped, CogroupedKStream<string, { clicks: number; spent: number }>>>()
// Or as a type argument, leaving the parameters to inference; without either, VA would be unknown
// (the aggregator's own `aggregate` parameter fixes VA before its return type is looked at).
const cogroupedByArgument = clicks.cogroup<{ clicks: number; spent: number }>((_k, _click, agg) => ({ ...agg, clicks: agg.clicks + 1 }))
expectType<Equal<typeof cogroupedByArgument, typeof cogrouped>>()
const activity = cogrouped
  .cogroup(spend, (_k, order, agg) => ({ ...agg, spent: agg.spent + order.amount }))
  .aggregate(() => ({ clicks: 0, spent: 0 }))
expectType<Equal<typeof activity, KTable<string, { clicks: number; spent: number }>>>()
// @ts-expect-error each aggregator must return the shared aggregate type
cogrouped.cogroup(spend, (_k, order) => order.amount)
// @ts-expect-error cogrouped streams must have the same key type
cogrouped.cogroup(orders.groupBy((_k, o) => o.productId), (_k, _o, agg) => agg)

// Windowed cogroup: the result is keyed by Windowed<K>; sessions need a merger of the aggregate type.
const perWindow = cogrouped
  .cogroup(spend, (_k, order, agg) => ({ ...agg, spent: agg.spent + order.amount }))
  .windowedBy(TimeWindows.ofSizeWithNoGrace(60_000))
  .aggregate(() => ({ clicks: 0, spent: 0 }))
expectType<Equal<typeof perWindow, KTable<Windowed<string>, { clicks: number; spent: number }>>>()
const perSession = cogrouped
  .windowedBy(SessionWindows.ofInactivityGapWithNoGrace(60_000))
  .aggregate(() => ({ clicks: 0, spent: 0 }), (_k, a, c) => ({ clicks: a.clicks + c.clicks, spent: a.spent + c.spent }))
expectType<Equal<typeof perSession, KTable<Windowed<string>, { clicks: number; spent: number }>>>()
