/**
 * The chaos load generator, a process of its own (`node chaos/load.ts`, config as JSON in
 * CHAOS_LOAD): produces the app's input at a steady rate until told `stop` on stdin, each batch of
 * a tick in one transaction (plain kafkajs), every record with its id in a header. A batch whose
 * transaction fails (a broker bounce) is dropped, not re-sent, so no input is ever written twice:
 * were it committed after all, its records are just inputs with ids of their own.
 *
 * Reports JSON lines on stdout: `progress` once a second, `done` with totals after `stop`.
 *   payments: requests over the opened accounts, `bad` of them refused or unreadable by design,
 *             `poison` of them poison pills (null value, non-UTF-8, not an object, huge, truncated);
 *   auction:  items (5-20 s auctions) and bids on open items, a few late or bad; after `stop` one
 *             late bid on every item, so every partition's stream time passes every end, in three
 *             rounds (at once, 5 s and 15 s later) for items still on their way to the punctuator.
 */
import { writeSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { Kafka, logLevel } from 'kafkajs'
import type { Message, Producer } from 'kafkajs'
import { random } from '../examples/shared/random.ts'

export interface LoadConfig {
  readonly app: 'payments' | 'auction'
  readonly brokers: ReadonlyArray<string>
  /** The topic prefix the app runs with. */
  readonly prefix: string
  /** Id prefix of every record (unique per run). */
  readonly runId: string
  /** Records per second. */
  readonly rate: number
  readonly seed?: number
  /** Share of bad-by-design records (refused or unreadable). */
  readonly bad?: number
  /** Share of poison pills. */
  readonly poison?: number
  /** Payments: accounts to pay between (opened by the runner: acct-0000...). */
  readonly accounts?: number
}

/** When the auction's closing rounds go out, counted from `stop` (see main()). */
const CLOSING_ROUNDS_MS = [0, 5_000, 10_000]

const emit = (event: object): void => {
  writeSync(1, `${JSON.stringify({ at: Date.now(), ...event })}\n`)
}

export const PAYMENT_ID_HEADER = 'payment-request-id'
export const AUCTION_ID_HEADER = 'auction-record-id'

type Pending = { topic: string; message: Message; kind: string }

function poisonPill(next: () => number, id: string, ts: number): { value: Buffer | null; kind: string } {
  const pick = Math.floor(next() * 6)
  if (pick === 0) return { value: null, kind: 'poison-tombstone' }
  if (pick === 1) return { value: Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0xa0, 0xa1]), kind: 'poison-non-utf8' }
  if (pick === 2) return { value: Buffer.from(`[${JSON.stringify(id)}]`), kind: 'poison-array' }
  if (pick === 3) return { value: Buffer.from(`{"id":"${id}","pad":"${'x'.repeat(200_000)}"`), kind: 'poison-huge' }
  if (pick === 4) return { value: Buffer.from('null'), kind: 'poison-json-null' }
  return { value: Buffer.from(`{"id":"${id}","ts":${ts},`), kind: 'poison-truncated' }
}

/** Payment requests: valid ones, bad-by-design ones (as the app's own load), poison pills. */
function paymentsSource(config: LoadConfig) {
  const next = random(config.seed ?? 7)
  const accounts = config.accounts ?? 50
  const acct = (): string => `acct-${String(Math.floor(next() * accounts)).padStart(4, '0')}`
  const topic = `${config.prefix}payment-inflight`
  let n = 0
  return (count: number, now: number): Pending[] => {
    const out: Pending[] = []
    for (let i = 0; i < count; i++) {
      const id = `${config.runId}-${n++}`
      const from = acct()
      let to = acct()
      while (to === from) to = acct()
      const amount = 1 + Math.floor(-Math.log(1 - next()) * 5_000)
      let kind = 'payment'
      let value: Buffer | null
      const roll = next()
      if (roll < (config.poison ?? 0)) ({ value, kind } = poisonPill(next, id, now))
      else if (roll < (config.poison ?? 0) + (config.bad ?? 0)) {
        const bad = Math.floor(next() * 4)
        kind = ['unknown-account', 'non-positive', 'self-payment', 'missing-field'][bad]!
        const body = bad === 0 ? { id, from, to: `closed-${to}`, amount } : bad === 1 ? { id, from, to, amount: -amount } : bad === 2 ? { id, from, to: from, amount } : { id, from, amount }
        value = Buffer.from(JSON.stringify(body))
      } else value = Buffer.from(JSON.stringify({ id, from, to, amount }))
      out.push({ topic, kind, message: { key: Buffer.from(from), value, timestamp: String(now), headers: { [PAYMENT_ID_HEADER]: id } } })
    }
    return out
  }
}

interface OpenItem {
  readonly id: string
  readonly seller: string
  readonly startPrice: number
  readonly endsAt: number
}

/** Items and bids, as a live marketplace would send them: record timestamps are the wall clock. */
function auctionSource(config: LoadConfig) {
  const next = random(config.seed ?? 11)
  const items: OpenItem[] = []
  const submissions = `${config.prefix}auction-items-submitted`
  const bidsTopic = `${config.prefix}auction-bids`
  let itemN = 0
  let bidN = 0
  const poison = config.poison ?? 0
  const bad = config.bad ?? 0
  const message = (key: string | null, value: Buffer | null, id: string, ts: number): Message =>
    ({ key: key === null ? null : Buffer.from(key), value, timestamp: String(ts), headers: { [AUCTION_ID_HEADER]: id } })
  const source = (count: number, now: number): Pending[] => {
    const out: Pending[] = []
    const open = items.filter((it) => it.endsAt > now + 500)
    const closed = items.filter((it) => it.endsAt <= now)
    for (let i = 0; i < count; i++) {
      // One record in twenty lists an item, or any record while fewer than 5 auctions are open.
      if (open.length < 5 || next() < 0.05) {
        const id = `${config.runId}-item-${itemN}`
        const seller = `seller-${itemN % 40}`
        itemN++
        const startPrice = 100 * (5 + Math.floor(next() * 200))
        const durationSeconds = 5 + Math.floor(next() * 16)
        const reservePrice = next() < 0.3 ? startPrice * 3 : undefined
        const roll = next()
        if (roll < poison) {
          const p = poisonPill(next, id, now)
          out.push({ topic: submissions, kind: `item-${p.kind}`, message: message(id, p.value, id, now) })
          continue
        }
        const badItem = roll < poison + bad
        const fields = { id, title: `lot ${itemN}`, seller, category: 'Art', startPrice: badItem ? -startPrice : startPrice, reservePrice, durationSeconds, country: 'de' }
        out.push({ topic: submissions, kind: badItem ? 'item-bad-price' : 'item', message: message(id, Buffer.from(JSON.stringify(fields)), id, now) })
        if (!badItem) {
          const item = { id, seller, startPrice, endsAt: now + durationSeconds * 1000 }
          items.push(item)
          open.push(item)
        }
        continue
      }
      const id = `${config.runId}-bid-${bidN++}`
      const item = open[Math.floor(next() * open.length)]!
      const bidder = `user-${Math.floor(next() * 100)}`
      const amount = item.startPrice + 100 * Math.floor(-Math.log(1 - next()) * item.startPrice / 100)
      const roll = next()
      if (roll < poison) {
        const p = poisonPill(next, id, now)
        out.push({ topic: bidsTopic, kind: `bid-${p.kind}`, message: message(item.id, p.value, id, now) })
      } else if (roll < poison + bad) {
        const kinds = ['unknown-item', 'below-start', 'seller-bid', 'late', 'malformed'] as const
        const kind = kinds[Math.floor(next() * kinds.length)]!
        const target = kind === 'late' && closed.length > 0 ? closed[Math.floor(next() * closed.length)]! : item
        const body = kind === 'unknown-item' ? { id, itemId: `${item.id}-gone`, bidder, amount }
          : kind === 'below-start' ? { id, itemId: item.id, bidder, amount: item.startPrice - 100 }
          : kind === 'seller-bid' ? { id, itemId: item.id, bidder: item.seller, amount }
          : { id, itemId: target.id, bidder, amount }
        const value = kind === 'malformed' ? Buffer.from(`{"id":"${id}","itemId":"${item.id}",`) : Buffer.from(JSON.stringify(body))
        out.push({ topic: bidsTopic, kind: `bid-${kind}`, message: message(kind === 'unknown-item' ? `${item.id}-gone` : target.id, value, id, now) })
      } else {
        out.push({ topic: bidsTopic, kind: 'bid', message: message(item.id, Buffer.from(JSON.stringify({ id, itemId: item.id, bidder, amount })), id, now) })
      }
    }
    return out
  }
  /**
   * One late bid on every item, stamped after every end: each partition's stream time passes every
   * end. Round r is stamped a minute after round r - 1, so each round moves stream time on again.
   */
  const closing = (round: number, attempt: number): Pending[] => {
    const at = items.reduce((max, it) => Math.max(max, it.endsAt), Date.now()) + 60_000 * (round + 1)
    return items.map((it, n) => {
      const id = `${config.runId}-last${round}.${attempt}-${n}`
      return { topic: bidsTopic, kind: 'bid-closing', message: message(it.id, Buffer.from(JSON.stringify({ id, itemId: it.id, bidder: 'user-last', amount: it.startPrice * 10 })), id, at) }
    })
  }
  return { source, closing }
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.CHAOS_LOAD ?? '{}') as LoadConfig
  const kafka = new Kafka({ brokers: [...config.brokers], clientId: `chaos-load-${config.runId}`, logLevel: logLevel.NOTHING, retry: { retries: 3 } })
  const auction = config.app === 'auction' ? auctionSource(config) : undefined
  const source = auction?.source ?? paymentsSource(config)
  const kinds = new Map<string, number>()
  let sent = 0
  let failed = 0
  let generation = 0
  let producer: Producer | undefined
  const connect = async (): Promise<Producer> => {
    const p = kafka.producer({ transactionalId: `chaos-load-${config.runId}`, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 30_000 })
    await p.connect()
    generation++
    return p
  }
  /** One transaction; false when it failed (the producer is then replaced). */
  const send = async (batch: Pending[]): Promise<boolean> => {
    if (batch.length === 0) return true
    try {
      producer ??= await connect()
      const tx = await producer.transaction()
      try {
        const byTopic = new Map<string, Message[]>()
        for (const p of batch) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.message])
        await tx.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) })
        await tx.commit()
      } catch (error) {
        await tx.abort().catch(() => undefined)
        throw error
      }
      sent += batch.length
      for (const p of batch) kinds.set(p.kind, (kinds.get(p.kind) ?? 0) + 1)
      return true
    } catch (error) {
      failed += batch.length
      emit({ type: 'send-failed', records: batch.length, error: (error as Error).message })
      const old = producer
      producer = undefined
      await old?.disconnect().catch(() => undefined)
      await new Promise((resolve) => setTimeout(resolve, 500))
      return false
    }
  }

  let stopping = false
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() === 'stop') {
      stopping = true
      emit({ type: 'stopping', sent, failed })
    }
  }).on('close', () => {
    stopping = true
  })
  process.on('SIGTERM', () => {
    stopping = true
  })

  const tickMs = 100
  const started = Date.now()
  let due = 0
  let lastReport = started
  emit({ type: 'started', rate: config.rate })
  while (!stopping) {
    const now = Date.now()
    const want = Math.floor(((now - started) * config.rate) / 1000)
    const count = Math.min(want - due, Math.max(1, config.rate)) // after a stall, catch up at most a second's worth
    if (count > 0) {
      due = want
      await send(source(count, now))
    }
    if (now - lastReport >= 1000) {
      lastReport = now
      emit({ type: 'progress', sent, failed })
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, tickMs - (Date.now() - now))))
  }
  if (auction !== undefined) {
    // The last items reach the expiry punctuator through the edge step's output topic, so one may
    // arrive after its partition's closing bid already moved stream time past its end; a stream-time
    // punctuator then waits for the next advance, which would never come. Later rounds bring it.
    for (const [round, afterMs] of CLOSING_ROUNDS_MS.entries()) {
      await new Promise((resolve) => setTimeout(resolve, afterMs))
      // These must land: retry until they do (new ids each time, so none is ever sent twice).
      for (let attempt = 0; attempt < 30 && !(await send(auction.closing(round, attempt))); attempt++);
    }
  }
  await producer?.disconnect().catch(() => undefined)
  emit({ type: 'done', sent, failed, generations: generation, kinds: Object.fromEntries(kinds) })
}

await main()
// stdin (the command channel) would keep the process alive.
process.exit(0)
