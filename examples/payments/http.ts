/**
 * Interactive queries over HTTP (node:http, no framework). Each instance holds the balances of the
 * partitions it runs; a question about an account goes to the instance that owns the account's
 * partition of each store — found with `KafkaStreams.queryMetadataForKey` — and is answered there
 * from its local store (`/local/...`, the instance-to-instance hop).
 *
 *   GET /accounts/:id   opening, in-flight and confirmed balance, and the amount being processed
 *   GET /balances       totals over every account on every instance, whether money is conserved, the checks
 *   GET /health         this instance: state, tasks, records processed
 */
import type { KafkaStreams } from 'kstreams'
import { fetchJson as fetchFrom, HttpError, JsonServer, requireRunning, streamsRouting as routingOf } from '../shared/http-router.ts'
import type { Routing } from '../shared/http-router.ts'
import { keySerde, STORES } from './model.ts'
import type { Account } from './model.ts'
import { balanceChecks, balanceView } from './verify.ts'
import type { BalanceView } from './verify.ts'

export type { Routing }

/** Routing by the payments stores' keys (account ids). */
export function streamsRouting(streams: KafkaStreams, self: string): Routing {
  return routingOf(streams, self, keySerde)
}

const BALANCE_STORES: ReadonlyArray<string> = [STORES.inflight, STORES.confirmed, STORES.ledger]

// From the `/local/...` hop a 404 means the instances disagree on the routes: a bad gateway.
const fetchJson = <T>(url: string): Promise<T> => fetchFrom<T>(url, 502)

export interface BalanceServerOptions {
  readonly streams: KafkaStreams
  readonly routing: Routing
  /** This instance's `host:port`. */
  readonly self: string
  readonly processed: () => number
}

/** Serves the balance queries of one instance; `listen` first, then `attach` the running app. */
export class BalanceServer extends JsonServer<BalanceServerOptions> {
  constructor() {
    super(route)
  }
}

async function route(app: BalanceServerOptions, path: string[]): Promise<unknown> {
  const [head, a, b] = path
  if (head === 'health' && a === undefined) {
    return { self: app.self, state: app.streams.state, activeTasks: app.streams.activeTasks(), processed: app.processed() }
  }
  if (head === 'accounts' && a !== undefined && b === undefined) return accountBalances(app, a)
  if (head === 'balances' && a === undefined) return totals(await gatherBalances(app))
  if (head === 'local' && a !== undefined && BALANCE_STORES.includes(a)) {
    if (b !== undefined) return { value: localBalance(app, a, b) ?? null }
    return { entries: localEntries(app, a) }
  }
  throw new HttpError(404, 'not found; try /accounts/:id, /balances or /health')
}

/** The store's entries on this instance: none when it runs no task of that store. */
function localEntries(app: BalanceServerOptions, store: string): Array<[string, number]> {
  requireRunning(app.streams)
  try {
    return [...app.streams.store<string, number>(store).all()].map((e) => [e.key, e.value])
  } catch (error) {
    if ((error as Error).name === 'IllegalStateError') return []
    throw error
  }
}

/** The account's balance in the local store, which must be here (the routing said so). */
function localBalance(app: BalanceServerOptions, store: string, account: string): number | undefined {
  requireRunning(app.streams)
  try {
    return app.streams.store<string, number>(store).get(account)
  } catch (error) {
    if ((error as Error).name === 'IllegalStateError') throw new HttpError(503, `${store} is not on this instance right now (rebalancing?); retry`)
    throw error
  }
}

function openings(app: BalanceServerOptions): Map<string, number> {
  const out = new Map<string, number>()
  for (const { key, value } of app.streams.store<string, Account>(STORES.accounts).all()) out.set(key, value.openingBalance)
  return out
}

/** The account's balance in `store`, asked of the instance that owns it. */
async function balanceIn(app: BalanceServerOptions, store: string, account: string, opening: number): Promise<{ value: number; from: string }> {
  const owner = app.routing.ownerOf(store, account)
  if (owner === undefined) throw new HttpError(503, `no instance holds "${account}" in ${store} right now (rebalancing?); retry`)
  if (owner === app.self) return { value: localBalance(app, store, account) ?? opening, from: owner }
  const answer = await fetchJson<{ value: number | null }>(`http://${owner}/local/${store}/${encodeURIComponent(account)}`)
  return { value: answer.value ?? opening, from: owner }
}

async function accountBalances(app: BalanceServerOptions, account: string): Promise<unknown> {
  const opening = app.streams.store<string, Account>(STORES.accounts).get(account)?.openingBalance
  if (opening === undefined) throw new HttpError(404, `unknown account "${account}"`)
  const [inflight, confirmed] = await Promise.all([
    balanceIn(app, STORES.inflight, account, opening),
    balanceIn(app, STORES.confirmed, account, opening),
  ])
  return {
    account,
    unit: 'cents',
    openingBalance: opening,
    inflight: inflight.value,
    confirmed: confirmed.value,
    processing: inflight.value - confirmed.value,
    servedBy: { inflight: inflight.from, confirmed: confirmed.from },
  }
}

/** Every account's balances, merged from the local stores of every instance. */
export async function gatherBalances(app: BalanceServerOptions): Promise<BalanceView & { readonly instances: string[] }> {
  const instances = app.routing.instances()
  const entries = new Map<string, Array<[string, number]>>(BALANCE_STORES.map((s) => [s, []]))
  await Promise.all(instances.flatMap((host) => BALANCE_STORES.map(async (store) => {
    const local = host === app.self
      ? localEntries(app, store)
      : (await fetchJson<{ entries: Array<[string, number]> }>(`http://${host}/local/${store}`)).entries
    entries.get(store)!.push(...local)
  })))
  const view = balanceView(openings(app), {
    inflight: entries.get(STORES.inflight)!,
    confirmed: entries.get(STORES.confirmed)!,
    ledger: entries.get(STORES.ledger)!,
  })
  return { ...view, instances }
}

function totals(view: BalanceView & { readonly instances: string[] }): unknown {
  const sum = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((a, b) => a + b, 0)
  const opening = sum(view.openings)
  const inflight = sum(view.inflight)
  const confirmed = sum(view.confirmed)
  const accountsInFlight = [...view.inflight].filter(([account, v]) => v !== view.confirmed.get(account)).length
  // A payment's two sides land on different partitions, so the totals add up only at a quiet
  // moment (accountsInFlight 0), and so do the checks.
  return {
    unit: 'cents',
    instances: view.instances,
    accounts: view.openings.size,
    openingTotal: opening,
    inflightTotal: inflight,
    confirmedTotal: confirmed,
    accountsInFlight,
    conserved: confirmed === opening,
    checks: balanceChecks(view),
  }
}
