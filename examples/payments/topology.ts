/**
 * The payments topology (reference article, section 2.3), from the public API only:
 *
 *   payment-inflight ─▶ validate ─┬─▶ DEBIT keyed by from ─▶ payment
 *                                 ├─▶ refused ─▶ payment-rejected
 *                                 ├─▶ unreadable ─▶ payments-dlq
 *                                 └─▶ ±amount per account ─┐
 *   payment-rejected (stage DEBIT) ─▶ ∓amount per account ─┴▶ balance-inflight   (read-uncommitted)
 *   payment ─▶ payment processor (ledger) ─┬─▶ CREDIT keyed by to ─▶ payment
 *                                          ├─▶ insufficient funds ─▶ payment-rejected
 *                                          └─▶ completed ─▶ payment-complete
 *   payment-complete ─▶ ±amount per account ─▶ balance-confirmed                  (read-committed)
 *
 * The two balances are two instances of one balance processor. Once nothing is in flight they
 * agree, and their difference per account is the money being processed for it.
 */
import { Serdes, Stores, StreamsBuilder } from 'kstreams'
import type { KStream, StoreType, Topology } from 'kstreams'
import { accountSerde, eventSerde, keySerde, movements, rejectionSerde, requestSerde, STORES, TOPICS } from './model.ts'
import type { Account, PaymentEvent, PaymentRejection, PaymentRequest } from './model.ts'
import { BalanceProcessor, PaymentProcessor, RequestValidator } from './processors.ts'

export interface PaymentsTopologyOptions {
  /** Where the balance stores live; default `rocksdb`. */
  readonly storeType?: StoreType
  /** Called once per record a payments processor handles (requests, DEBIT/CREDITs, balance movements). */
  readonly onRecord?: () => void
}

export function buildPaymentsTopology(options: PaymentsTopologyOptions = {}): Topology {
  const onRecord = options.onRecord ?? (() => {})
  const storeType = options.storeType ?? 'rocksdb'
  const balanceStore = (name: string) =>
    Stores.keyValueStoreBuilder(
      storeType === 'memory' ? Stores.inMemoryKeyValueStore(name) : Stores.persistentKeyValueStore(name),
      Serdes.string(),
      Serdes.long(),
    )
  const builder = new StreamsBuilder()

  builder.globalTable<string, Account>(TOPICS.accounts, { key: keySerde, value: accountSerde, storeName: STORES.accounts, name: 'accounts' })

  // In-flight balance processor: requests in, DEBITs out. Raw bytes in, so unreadable requests
  // reach the dead-letter topic instead of the deserialization handler.
  const checked = builder
    .stream<Buffer | null, Buffer | null>(TOPICS.inflight, { key: Serdes.bytes(), value: Serdes.bytes(), name: 'payment-requests' })
    .process(() => new RequestValidator(onRecord), { name: 'validate-request' })
  const accepted = checked.flatMapValues((c) => (c.kind === 'accepted' ? [c.payment] : []), { name: 'accepted' })
  accepted
    .mapValues((payment): PaymentEvent => ({ ...payment, type: 'DEBIT' }), { name: 'debit' })
    .to(TOPICS.payment, { key: keySerde, value: eventSerde, name: 'send-debit' })
  checked
    .flatMapValues((c) => (c.kind === 'rejected' ? [c.rejection] : []), { name: 'refused' })
    .to(TOPICS.rejected, { key: keySerde, value: rejectionSerde, name: 'send-refused' })
  checked
    .flatMap((_key, c) => (c.kind === 'dead-letter' ? [{ key: c.key, value: c.value }] : []), { name: 'unreadable' })
    .to(TOPICS.dlq, { key: Serdes.bytes(), value: Serdes.bytes(), name: 'send-dead-letter' })

  // Payment processor: DEBIT → CREDIT → complete, or rejected.
  const settled = builder
    .stream<string, PaymentEvent>(TOPICS.payment, { key: keySerde, value: eventSerde, name: 'payments' })
    .process(() => new PaymentProcessor(onRecord), { name: 'payment-processor', stores: [balanceStore(STORES.ledger)] })
  settled
    .flatMapValues((s) => (s.kind === 'credit' ? [s.event] : []), { name: 'credit' })
    .to(TOPICS.payment, { key: keySerde, value: eventSerde, name: 'send-credit' })
  settled
    .flatMapValues((s) => (s.kind === 'rejected' ? [s.rejection] : []), { name: 'insufficient' })
    .to(TOPICS.rejected, { key: keySerde, value: rejectionSerde, name: 'send-rejected' })
  settled
    .flatMapValues((s) => (s.kind === 'complete' ? [s.payment] : []), { name: 'completed' })
    .to(TOPICS.complete, { key: keySerde, value: requestSerde, name: 'send-complete' })

  // In-flight balance: money moves when a request is accepted, and moves back when its DEBIT is refused.
  const reversals = builder
    .stream<string, PaymentRejection>(TOPICS.rejected, { key: keySerde, value: rejectionSerde, name: 'rejections' })
    .flatMap((_key, r) => (r.stage === 'DEBIT' ? movements(r.payment, -1) : []), { name: 'reverse' })
  const inFlight = accepted.flatMap((_key, payment) => movements(payment, 1), { name: 'move' }).merge(reversals, { name: 'in-flight' })
  balance(inFlight, STORES.inflight)

  // Confirmed balance: money moves when a payment completes.
  const completed = builder
    .stream<string, PaymentRequest>(TOPICS.complete, { key: keySerde, value: requestSerde, name: 'completions' })
    .flatMap((_key, payment) => movements(payment, 1), { name: 'settle' })
  balance(completed, STORES.confirmed)

  function balance(moves: KStream<string, number>, store: string): void {
    moves
      .repartition({ name: store, key: Serdes.string(), value: Serdes.long() })
      .process(() => new BalanceProcessor(store, onRecord), { name: `${store}-processor`, stores: [balanceStore(store)] })
  }

  return builder.build()
}
