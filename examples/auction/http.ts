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
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { KafkaStreams } from 'kstreams'
import { highestBid, keySerde, STORES } from './model.ts'
import type { AuctionResult, Bid, Item } from './model.ts'
import { rateKey } from './processors.ts'

class HttpError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

export interface AuctionServerOptions {
  readonly streams: KafkaStreams
  /** This instance's `host:port`. */
  readonly self: string
  readonly counts: object
}

const hostOf = (info: { host: string; port: number } | undefined): string | undefined => (info === undefined ? undefined : `${info.host}:${info.port}`)

async function fetchJson<T>(url: string): Promise<T> {
  let response: Response
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(5000) })
  } catch (error) {
    throw new HttpError(503, `instance unreachable: ${url} (${(error as Error).message})`)
  }
  if (!response.ok) throw new HttpError(response.status, `${url} answered ${response.status}`)
  return (await response.json()) as T
}

/** Serves the auction queries of one instance; `listen` first, then `attach` the running app. */
export class AuctionServer {
  readonly #server: Server
  #app: AuctionServerOptions | undefined

  constructor() {
    this.#server = createServer((req, res) => void this.#handle(req, res))
  }

  /** Listens (port 0 picks a free one) and returns the `host:port` to advertise. */
  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(port, host, () => resolve())
    })
    const address = this.#server.address()
    return `${host}:${typeof address === 'object' && address !== null ? address.port : port}`
  }

  attach(app: AuctionServerOptions): void {
    this.#app = app
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const app = this.#app
      if (app === undefined) throw new HttpError(503, 'starting')
      if (req.method !== 'GET') throw new HttpError(405, 'only GET')
      const path = new URL(req.url ?? '/', 'http://localhost').pathname.split('/').filter(Boolean).map(decodeURIComponent)
      send(res, 200, await route(app, path))
    } catch (error) {
      send(res, error instanceof HttpError ? error.status : 500, { error: (error as Error).message })
    }
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(`${JSON.stringify(body, null, 2)}\n`)
}

async function route(app: AuctionServerOptions, path: string[]): Promise<unknown> {
  const [head, a, b] = path
  if (head === 'health' && a === undefined) return { self: app.self, state: app.streams.state, activeTasks: app.streams.activeTasks(), handled: app.counts }
  if (head === 'items' && a === undefined) {
    const items = (await gather<Item>(app, 'open-items')).sort((x, y) => x.endsAt - y.endsAt || (x.id < y.id ? -1 : 1))
    return { count: items.length, items }
  }
  if (head === 'items' && a !== undefined && b === undefined) {
    const owner = hostOf(app.streams.queryMetadataForKey(STORES.items, a, keySerde)?.activeHost) ?? app.self
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

function running(app: AuctionServerOptions): void {
  if (app.streams.state !== 'RUNNING') throw new HttpError(503, `instance is ${app.streams.state}; retry`)
}

/** Entries of this instance's stores: none when it runs no task holding them. */
function local(app: AuctionServerOptions, what: 'open-items' | 'results'): unknown[] {
  running(app)
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
  const hosts = new Set([app.self, ...app.streams.allMetadata().map((m) => hostOf(m.hostInfo)!)])
  const lists = await Promise.all([...hosts].map(async (host) =>
    host === app.self ? (local(app, what) as T[]) : (await fetchJson<{ entries: T[] }>(`http://${host}/local/${what}`)).entries))
  return lists.flat()
}

/** One item as this instance holds it: the item, its highest bid, and its bids per minute. */
function itemView(app: AuctionServerOptions, id: string): unknown {
  running(app)
  const item = app.streams.store<string, Item>(STORES.items).get(id)
  if (item === undefined) return undefined
  const bids = app.streams.store<string, Bid[]>(STORES.history).get(id) ?? []
  const perMinute: Array<{ minute: string; bids: number }> = []
  using rates = app.streams.store<string, number>(STORES.bidRate).range(rateKey(id, 0), rateKey(id, Number.MAX_SAFE_INTEGER))
  for (const { key, value } of rates) perMinute.push({ minute: new Date(Number(key.slice(key.lastIndexOf('@') + 1))).toISOString(), bids: value })
  return { item, highestBid: highestBid(bids) ?? null, bidCount: bids.length, bidsPerMinute: perMinute }
}
