/**
 * Interactive queries over HTTP (node:http, no framework). Each instance holds the items, bids and
 * results of the partitions it runs; a question about one item goes to the instance that owns it
 * (`KafkaStreams.queryMetadataForKey`), a list is gathered from every instance
 * (`KafkaStreams.allMetadata`), each answering from its local stores under `/local/...`.
 *
 *   GET /items              open items, soonest to end first
 *   GET /items/:id          the item, its current highest bid, bid count and bids per minute
 *   GET /auctions/finished  finished auctions with their results
 *   GET /health             this instance: state, tasks, what its processors handled
 */
import type { KafkaStreams } from 'kstreams'
import { fetchJson, hostOf, HttpError, JsonServer, requireRunning } from '../shared/http-router.ts'
import { highestBid, keySerde, STORES } from './model.ts'
import type { AuctionResult, Bid, Item } from './model.ts'
import { rateKey } from './processors.ts'

export interface AuctionServerOptions {
  readonly streams: KafkaStreams
  /** This instance's `host:port`. */
  readonly self: string
  readonly counts: object
}

/** Serves the auction queries of one instance; `listen` first, then `attach` the running app. */
export class AuctionServer extends JsonServer<AuctionServerOptions> {
  constructor() {
    super(route)
  }
}

async function route(app: AuctionServerOptions, path: string[]): Promise<unknown> {
  const [head, a, b] = path
  if (head === 'health' && a === undefined) return { self: app.self, state: app.streams.state, activeTasks: app.streams.activeTasks(), handled: app.counts }
  if (head === 'items' && a === undefined) {
    const items = (await gather<Item>(app, 'open-items')).sort((x, y) => x.endsAt - y.endsAt || (x.id < y.id ? -1 : 1))
    return { count: items.length, items }
  }
  if (head === 'items' && a !== undefined && b === undefined) {
    const host = app.streams.queryMetadataForKey(STORES.items, a, keySerde)?.activeHost
    const owner = host === undefined ? app.self : hostOf(host)
    const found = owner === app.self ? itemView(app, a) : (await fetchJson<{ item: unknown }>(`http://${owner}/local/item/${encodeURIComponent(a)}`)).item
    if (found === undefined || found === null) throw new HttpError(404, `no item "${a}"`)
    return found
  }
  if (head === 'auctions' && a === 'finished' && b === undefined) {
    const results = (await gather<AuctionResult>(app, 'results')).sort((x, y) => y.closedAt - x.closedAt || (x.itemId < y.itemId ? -1 : 1))
    return { count: results.length, results }
  }
  if (head === 'local' && a === 'item' && b !== undefined) return { item: itemView(app, b) ?? null }
  if (head === 'local' && (a === 'open-items' || a === 'results') && b === undefined) return { entries: local(app, a) }
  throw new HttpError(404, 'not found; try /items, /items/:id, /auctions/finished or /health')
}

/** Entries of this instance's stores: none when it runs no task holding them. */
function local(app: AuctionServerOptions, what: 'open-items' | 'results'): unknown[] {
  requireRunning(app.streams)
  try {
    if (what === 'results') return [...app.streams.store<string, AuctionResult>(STORES.results).all()].map((e) => e.value)
    return [...app.streams.store<string, Item>(STORES.items).all()].map((e) => e.value).filter((i) => i.status === 'OPEN')
  } catch (error) {
    if ((error as Error).name === 'IllegalStateError') return []
    throw error
  }
}

/** The same list from every instance of the app. */
async function gather<T>(app: AuctionServerOptions, what: 'open-items' | 'results'): Promise<T[]> {
  const hosts = new Set([app.self, ...app.streams.allMetadata().map((m) => hostOf(m.hostInfo))])
  const lists = await Promise.all([...hosts].map(async (host) =>
    host === app.self ? (local(app, what) as T[]) : (await fetchJson<{ entries: T[] }>(`http://${host}/local/${what}`)).entries))
  return lists.flat()
}

/** One item as this instance holds it: the item, its highest bid, and its bids per minute. */
function itemView(app: AuctionServerOptions, id: string): unknown {
  requireRunning(app.streams)
  const item = app.streams.store<string, Item>(STORES.items).get(id)
  if (item === undefined) return undefined
  const bids = app.streams.store<string, Bid[]>(STORES.history).get(id) ?? []
  const perMinute: Array<{ minute: string; bids: number }> = []
  using rates = app.streams.store<string, number>(STORES.bidRate).range(rateKey(id, 0), rateKey(id, Number.MAX_SAFE_INTEGER))
  for (const { key, value } of rates) perMinute.push({ minute: new Date(Number(key.slice(key.lastIndexOf('@') + 1))).toISOString(), bids: value })
  return { item, highestBid: highestBid(bids) ?? null, bidCount: bids.length, bidsPerMinute: perMinute }
}
