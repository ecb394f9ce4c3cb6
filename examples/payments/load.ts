/**
 * The load generator: opens accounts and sends payment requests, a share of them bad on purpose.
 * Everything it sends follows from the seed (and the run id, which only prefixes payment ids), so a
 * run can be repeated exactly; it produces through the client port, so the same code feeds the
 * embedded broker and a Kafka cluster.
 */
import type { KafkaClient } from 'kstreams'
import { accountSerde, REQUEST_ID_HEADER, TOPICS } from './model.ts'
import { random } from '../shared/random.ts'

export interface LoadOptions {
  readonly seed: number
  /** Payment requests to send, bad ones included. */
  readonly count: number
  readonly accounts: number
  /** Share of the requests that are bad (0..1), spread over the `BadKind`s. */
  readonly badRatio: number
  /** Prefix of payment ids, so that runs sharing a cluster can tell their payments apart. */
  readonly runId: string
}

/** How a request is bad, and so what the app must make of it. */
export type BadKind = 'malformed-json' | 'missing-field' | 'unknown-account' | 'non-positive' | 'self-payment'
export const BAD_KINDS: ReadonlyArray<BadKind> = ['malformed-json', 'missing-field', 'unknown-account', 'non-positive', 'self-payment']

export interface LoadRecord {
  readonly id: string
  readonly kind: 'payment' | BadKind
  readonly key: Buffer | null
  readonly value: Buffer
}

export const accountId = (index: number): string => `acct-${String(index).padStart(4, '0')}`

/**
 * 1,000.00 to 5,000.00, by account number only: opening an account again (another run, another
 * seed) publishes the same balance, and opening balances must never change.
 */
export const openingBalanceOf = (index: number): number => 100_000 * (1 + (index % 5))

export function accountsToOpen(count: number): Array<{ readonly account: string; readonly openingBalance: number }> {
  return Array.from({ length: count }, (_, i) => ({ account: accountId(i), openingBalance: openingBalanceOf(i) }))
}

/** The requests of a run, in order. */
export function* paymentRequests(options: LoadOptions): Generator<LoadRecord> {
  if (options.accounts < 2) throw new RangeError('The load needs at least 2 accounts')
  const next = random(options.seed)
  const pick = (): string => accountId(Math.floor(next() * options.accounts))
  for (let n = 0; n < options.count; n++) {
    const id = `${options.runId}-${n}`
    const from = pick()
    let to = pick()
    while (to === from) to = pick()
    // Exponentially distributed, 50.00 on average: mostly small amounts, now and then a large
    // one, so that some payments meet an account that cannot cover them.
    const amount = 1 + Math.floor(-Math.log(1 - next()) * 5_000)
    const kind: LoadRecord['kind'] = next() < options.badRatio ? BAD_KINDS[Math.floor(next() * BAD_KINDS.length)]! : 'payment'
    let body: string
    switch (kind) {
      case 'payment':
        body = JSON.stringify({ id, from, to, amount })
        break
      case 'malformed-json':
        body = `{"id":"${id}","from":"${from}","to":"${to}","amount":${amount}`
        break
      case 'missing-field':
        body = JSON.stringify({ id, from, amount })
        break
      case 'unknown-account':
        body = JSON.stringify({ id, from, to: `closed-${to}`, amount })
        break
      case 'non-positive':
        body = JSON.stringify({ id, from, to, amount: -Math.floor(next() * 3) * amount })
        break
      case 'self-payment':
        body = JSON.stringify({ id, from, to: from, amount })
        break
    }
    yield { id, kind, key: Buffer.from(from), value: Buffer.from(body) }
  }
}

/** Opens the accounts (`accounts` is a compacted table, so opening again is harmless); returns their opening total. */
export async function openAccounts(client: KafkaClient, count: number): Promise<number> {
  const producer = client.producer({})
  await producer.connect()
  try {
    const now = Date.now()
    const accounts = accountsToOpen(count)
    await producer.send(accounts.map(({ account, openingBalance }) => ({
      topic: TOPICS.accounts,
      key: Buffer.from(account),
      value: accountSerde.serialize(TOPICS.accounts, { openingBalance }),
      timestamp: now,
    })))
    return accounts.reduce((sum, a) => sum + a.openingBalance, 0)
  } finally {
    await producer.close()
  }
}

/**
 * Sends the requests in batches, each request with its id in a header (clients' correlation id,
 * which also follows a request into the dead-letter topic). Each batch is one transaction, so a
 * retried send cannot write a request twice. Returns how many of each kind went.
 */
export async function sendLoad(
  client: KafkaClient,
  options: LoadOptions,
  onSent: (sent: number) => void = () => {},
  batchSize = 1000,
): Promise<Map<LoadRecord['kind'], number>> {
  const kinds = new Map<LoadRecord['kind'], number>()
  const producer = client.producer({ transactionalId: `payments-load-${options.runId}` })
  await producer.connect()
  try {
    let batch: LoadRecord[] = []
    let sent = 0
    const flush = async (): Promise<void> => {
      const now = Date.now()
      await producer.beginTransaction()
      await producer.send(batch.map((r) => ({
        topic: TOPICS.inflight,
        key: r.key,
        value: r.value,
        timestamp: now,
        headers: { [REQUEST_ID_HEADER]: Buffer.from(r.id) },
      })))
      await producer.commitTransaction()
      sent += batch.length
      batch = []
      onSent(sent)
    }
    for (const record of paymentRequests(options)) {
      kinds.set(record.kind, (kinds.get(record.kind) ?? 0) + 1)
      batch.push(record)
      if (batch.length >= batchSize) await flush()
    }
    if (batch.length > 0) await flush()
    return kinds
  } finally {
    await producer.close()
  }
}
