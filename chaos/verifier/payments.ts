/**
 * The payments verifier: reads the inputs (`accounts`, `payment-inflight`) and every output and
 * changelog topic with read_committed, folds an oracle from the inputs, and checks
 *   P1  Σ confirmed balances = the opening total;
 *   P2  each valid payment has exactly one DEBIT and then either one CREDIT and one completion,
 *       or exactly one rejection (insufficient funds); each refused request exactly one
 *       rejection with the oracle's code and no DEBIT; no output for a payment never requested;
 *   P3  each account's balance (confirmed, in-flight and ledger changelogs) = opening + the
 *       completed payments' movements; no ledger balance ever below zero;
 * plus the DLQ and open-transaction checks. Independent of the library: plain kafkajs, and the
 * request rules re-derived here rather than imported from the app.
 */
import type { Kafka } from 'kafkajs'
import { readTopics } from './read.ts'
import type { TopicRecord } from './read.ts'
import { cents, deadLetterCheck, existing, finite, int64, json, lastValues, noOpenTransactions, object, sourceOf, text } from './inputs.ts'
import { consumedInvariant, unconsumed } from './progress.ts'
import { num, sample, verdict } from './verdict.ts'
import type { Invariant, Verdict } from './verdict.ts'

export interface PaymentsTopics {
  /** PAYMENTS_TOPIC_PREFIX the app ran with ('' for none). */
  readonly prefix: string
  readonly applicationId: string
}

export function paymentsTopics({ prefix, applicationId }: PaymentsTopics) {
  return {
    accounts: `${prefix}accounts`,
    inflight: `${prefix}payment-inflight`,
    payment: `${prefix}payment`,
    complete: `${prefix}payment-complete`,
    rejected: `${prefix}payment-rejected`,
    dlq: `${prefix}payments-dlq`,
    libraryDlq: `${applicationId}-dlq`,
    confirmed: `${applicationId}-balance-confirmed-changelog`,
    inflightBalance: `${applicationId}-balance-inflight-changelog`,
    ledger: `${applicationId}-payment-ledger-changelog`,
  }
}

type Request =
  | { readonly kind: 'unreadable'; readonly input: TopicRecord }
  | { readonly kind: 'refused'; readonly id: string; readonly code: string; readonly input: TopicRecord }
  | { readonly kind: 'valid'; readonly id: string; readonly from: string; readonly to: string; readonly amount: number; readonly input: TopicRecord }

/** What the app must make of a request's bytes, given the opened accounts. */
export function classifyRequest(input: TopicRecord, accounts: ReadonlyMap<string, number>): Request {
  const r = object(json(input.value))
  const id = text(r?.id)
  const from = text(r?.from)
  const to = text(r?.to)
  const amount = finite(r?.amount)
  if (r === undefined || typeof r.id !== 'string' || typeof r.from !== 'string' || typeof r.to !== 'string' || r.id === '' || r.from === '' || r.to === '' || amount === undefined) {
    return { kind: 'unreadable', input }
  }
  const ids = { id: id ?? (r.id as string), input }
  if (!cents(amount)) return { kind: 'refused', code: 'INVALID_AMOUNT', ...ids }
  if (r.from === r.to) return { kind: 'refused', code: 'SELF_PAYMENT', ...ids }
  if (!accounts.has(r.from as string) || !accounts.has(r.to as string)) return { kind: 'refused', code: 'UNKNOWN_ACCOUNT', ...ids }
  return { kind: 'valid', from: from ?? (r.from as string), to: to ?? (r.to as string), amount, ...ids }
}

/** The topics the app's consumer group reads (its repartition topics aside). */
export function paymentsSources(names: PaymentsTopics): string[] {
  const t = paymentsTopics(names)
  return [t.inflight, t.payment, t.rejected, t.complete]
}

export async function verifyPayments(kafka: Kafka, names: PaymentsTopics): Promise<Verdict> {
  const t = paymentsTopics(names)
  // Read first: with records left unconsumed, an output invariant that fails is a stall, not a loss.
  const progress = consumedInvariant(names.applicationId, await unconsumed(kafka, names.applicationId, paymentsSources(names)))
  const optional = await existing(kafka, [t.libraryDlq, t.inflightBalance, t.ledger, t.confirmed])
  const topics = [t.accounts, t.inflight, t.payment, t.complete, t.rejected, t.dlq, ...optional]
  const read = await readTopics(kafka, topics)
  const of = (topic: string): TopicRecord[] => read.get(topic) ?? []

  // The oracle: opened accounts, then each request's class.
  const accounts = new Map<string, number>()
  for (const [key, value] of lastValues(of(t.accounts))) {
    const opening = finite(object(json(value))?.openingBalance)
    if (opening !== undefined) accounts.set(key, opening)
  }
  const openingTotal = [...accounts.values()].reduce((a, b) => a + b, 0)
  const requests = of(t.inflight).map((input) => classifyRequest(input, accounts))
  const byId = new Map<string, Exclude<Request, { kind: 'unreadable' }>>()
  const duplicateInputs: string[] = []
  for (const r of requests) {
    if (r.kind === 'unreadable') continue
    if (byId.has(r.id)) duplicateInputs.push(r.id)
    byId.set(r.id, r)
  }

  // The outputs, per payment id.
  const counter = () => new Map<string, number>()
  const bump = (m: Map<string, number>, id: string) => m.set(id, (m.get(id) ?? 0) + 1)
  const debits = counter()
  const credits = counter()
  const completions = counter()
  const rejections = new Map<string, Array<{ code: string; stage: string }>>()
  const orphans: string[] = []
  for (const r of of(t.payment)) {
    const e = object(json(r.value))
    const id = String(e?.id)
    if (!byId.has(id)) orphans.push(`${e?.type} ${id}`)
    if (e?.type === 'DEBIT') bump(debits, id)
    else if (e?.type === 'CREDIT') bump(credits, id)
    else orphans.push(`unknown event at ${sourceOf(r)}`)
  }
  const settled = new Map<string, number>()
  for (const r of of(t.complete)) {
    const p = object(json(r.value))
    const id = String(p?.id)
    bump(completions, id)
    const request = byId.get(id)
    if (request?.kind !== 'valid') {
      orphans.push(`completion ${id}`)
      continue
    }
    // The oracle's movement (the request's own fields), not the completion's copy of them.
    settled.set(request.from, (settled.get(request.from) ?? 0) - request.amount)
    settled.set(request.to, (settled.get(request.to) ?? 0) + request.amount)
  }
  for (const r of of(t.rejected)) {
    const j = object(json(r.value))
    const id = String(object(j?.payment)?.id)
    if (!byId.has(id)) orphans.push(`rejection ${id}`)
    rejections.set(id, [...(rejections.get(id) ?? []), { code: String(j?.code), stage: String(j?.stage) }])
  }

  const p2: string[] = []
  const refused: string[] = []
  let completed = 0
  let insufficient = 0
  for (const r of byId.values()) {
    const d = debits.get(r.id) ?? 0
    const c = credits.get(r.id) ?? 0
    const done = completions.get(r.id) ?? 0
    const rej = rejections.get(r.id) ?? []
    if (r.kind === 'refused') {
      if (d !== 0 || c !== 0 || done !== 0 || rej.length !== 1 || rej[0]!.code !== r.code || rej[0]!.stage !== 'REQUEST') {
        refused.push(`${r.id} (${r.code}): ${d} debits, ${c} credits, ${done} completions, rejections ${JSON.stringify(rej)}`)
      }
    } else if (r.kind === 'valid') {
      const ok = d === 1 && ((c === 1 && done === 1 && rej.length === 0) || (c === 0 && done === 0 && rej.length === 1 && rej[0]!.code === 'INSUFFICIENT_FUNDS' && rej[0]!.stage === 'DEBIT'))
      if (!ok) p2.push(`${r.id}: ${d} debits, ${c} credits, ${done} completions, rejections ${JSON.stringify(rej)}`)
      else if (done === 1) completed++
      else insufficient++
    }
  }

  // Balances: the last value of each account in each balance changelog (none yet: the opening balance).
  const balances = (topic: string): Map<string, number> => {
    const out = new Map(accounts)
    for (const [key, value] of lastValues(of(topic))) {
      const v = int64(value)
      if (v !== undefined) out.set(key, v)
    }
    return out
  }
  const expected = new Map([...accounts].map(([a, opening]) => [a, opening + (settled.get(a) ?? 0)]))
  const differing = (actual: Map<string, number>): string[] =>
    [...new Set([...actual.keys(), ...expected.keys()])].filter((a) => actual.get(a) !== expected.get(a)).map((a) => `${a}: ${actual.get(a)} vs oracle ${expected.get(a)}`)
  const confirmed = balances(t.confirmed)
  const confirmedTotal = [...confirmed.values()].reduce((a, b) => a + b, 0)
  const p3 = differing(confirmed)
  const views = optional.filter((x) => x === t.inflightBalance || x === t.ledger).map((topic) => ({ topic, wrong: differing(balances(topic)) }))
  const negative = of(t.ledger).filter((r) => (int64(r.value) ?? 0) < 0).map((r) => `${r.key?.toString()} = ${int64(r.value)} at ${sourceOf(r)}`)

  const unreadable = requests.filter((r) => r.kind === 'unreadable').map((r) => r.input)
  const dlq = [...of(t.dlq), ...of(t.libraryDlq)]
  const inputs = new Set(of(t.inflight).map(sourceOf))
  const valid = requests.filter((r) => r.kind === 'valid').length
  const invariants: Invariant[] = [
    progress,
    {
      name: 'P1 money is conserved: Σ confirmed balances = opening total',
      ok: confirmedTotal === openingTotal && accounts.size > 0,
      detail: `${num(confirmedTotal)} = ${num(openingTotal)} cents over ${num(accounts.size)} accounts`,
    },
    {
      name: 'P2 each payment: exactly one DEBIT and one CREDIT (and completion), or exactly one rejection',
      ok: p2.length === 0 && duplicateInputs.length === 0,
      detail: `${num(valid)} valid requests: ${num(completed)} completed, ${num(insufficient)} refused for funds, ${p2.length} wrong${sample(p2)}` +
        (duplicateInputs.length > 0 ? `; ${duplicateInputs.length} payment ids sent twice${sample(duplicateInputs)}` : ''),
    },
    {
      name: 'P2 each refused request: exactly one rejection with its reason, and no money moved',
      ok: refused.length === 0,
      detail: `${num(requests.filter((r) => r.kind === 'refused').length)} refused requests, ${refused.length} wrong${sample(refused)}`,
    },
    {
      name: 'P2 no output for a payment never requested',
      ok: orphans.length === 0,
      detail: `${orphans.length} orphan outputs${sample(orphans)}`,
    },
    {
      name: 'P3 each account\'s confirmed balance = opening + its completed payments (oracle)',
      ok: p3.length === 0 && of(t.confirmed).length > 0,
      detail: `${num(confirmed.size)} accounts, ${p3.length} differ${sample(p3)}`,
    },
    ...views.map(({ topic, wrong }) => ({
      name: `P3 ${topic.endsWith('ledger-changelog') ? 'ledger' : 'in-flight'} balances = the oracle (nothing in flight at the end)`,
      ok: wrong.length === 0,
      detail: `${wrong.length} accounts differ${sample(wrong)}`,
    })),
    { name: 'no ledger balance ever written below zero', ok: negative.length === 0, detail: `${num(of(t.ledger).length)} ledger updates read, ${negative.length} negative${sample(negative)}` },
    deadLetterCheck(unreadable, inputs, dlq),
    await noOpenTransactions(kafka, topics),
  ]
  const records = Object.fromEntries(topics.map((topic) => [topic, of(topic).length]))
  return verdict('payments', invariants, records, {
    inputs: requests.length,
    valid,
    completed,
    insufficient,
    refused: requests.filter((r) => r.kind === 'refused').length,
    unreadable: unreadable.length,
    deadLetters: dlq.length,
    outputs: of(t.payment).length + of(t.complete).length + of(t.rejected).length + dlq.length,
  })
}
