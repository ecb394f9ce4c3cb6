import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { KafkaStreams } from '../runtime/kafka-streams.ts'
import { bearerTokenMatches } from './auth.ts'
import { HttpError, sendError, sendJson, sendText } from './http-error.ts'
import { FORWARDED_HEADER, queryKey, queryRange, SERVED_BY_HEADER, type QueryAnswer, type QueryContext } from './interactive-queries.ts'
import type { MetricsRegistry } from './metrics-snapshot.ts'
import { streamsStatus } from './status.ts'
import type { StoreKeyFormat } from './store-keys.ts'
import { topologyGraph, type StoreGraph, type TopologyGraph } from './topology-graph.ts'
import { webViewHtml } from './web-view.ts'

export interface StreamsHttpServerOptions {
  /** Default: the port of the instance's `applicationServer`, else 0 (any free port). */
  readonly port?: number
  /** Default `127.0.0.1`: nothing outside the machine reaches it unless you say so (`0.0.0.0`). */
  readonly host?: string
  /**
   * A bearer token every request must carry (`Authorization: Bearer <token>`), compared in
   * constant time; 401 otherwise. `/`, `/livez` and `/readyz` stay open: the page holds no data
   * (it asks for the token) and probes must not need secrets. Every instance needs the same token,
   * which it also sends on the instance-to-instance hop.
   */
  readonly token?: string
  /** Where `/metrics` and the web view read metrics; default `streams.metricsRegistry`. */
  readonly registry?: MetricsRegistry
  /** Per store, how to read keys from URLs; default: string keys (`Serdes.string()`). */
  readonly keys?: { readonly [store: string]: StoreKeyFormat<any> }
  /** How long a forwarded query may take; default 5000 ms. */
  readonly forwardTimeoutMs?: number
  /**
   * The application's own GET routes, tried after the built-in ones (and behind the same token):
   * answer a value to send as JSON, or undefined for a 404; throw an `HttpError` for another status.
   */
  readonly routes?: (request: AppRequest) => unknown
}

/** A GET the built-in routes did not answer: the path split at `/` (decoded) and the query. */
export interface AppRequest {
  readonly path: ReadonlyArray<string>
  readonly query: URLSearchParams
}

const DEFAULT_LIMIT = 1000
const MAX_LIMIT = 100_000
/** The page talks to its own origin only, and nothing may frame it. */
const WEB_VIEW_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
}
const UNHEALTHY = new Set(['PENDING_ERROR', 'ERROR', 'PENDING_SHUTDOWN', 'NOT_RUNNING'])

/**
 * The HTTP endpoint of one KafkaStreams instance (node:http, no framework): health, metrics,
 * topology, interactive queries routed to the owning instance, and the live web view at `/`.
 *
 * `startStreamsHttpServer(streams, options)` is the usual way in. When the instance's
 * `applicationServer` must name a port picked at run time, `listen()` first, construct
 * KafkaStreams with the returned address, then `attach(streams)` (503 until then).
 */
export class StreamsHttpServer {
  readonly #options: StreamsHttpServerOptions
  readonly #server: Server
  #streams: KafkaStreams | undefined
  #graph: TopologyGraph | undefined
  #stores = new Map<string, StoreGraph>()
  #address: string | undefined

  constructor(options: StreamsHttpServerOptions = {}) {
    if (options.token !== undefined && options.token.length === 0) throw new TypeError('token must not be empty')
    this.#options = options
    this.#server = createServer((req, res) => void this.#handle(req, res))
  }

  /** `http://host:port` once listening. */
  get url(): string {
    if (this.#address === undefined) throw new Error('the HTTP server is not listening yet')
    return `http://${this.#address}`
  }

  /** Listens and returns the `host:port` to use as the instance's `applicationServer`. */
  async listen(port = this.#options.port ?? 0): Promise<string> {
    const host = this.#options.host ?? '127.0.0.1'
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject)
        resolve()
      })
    })
    const address = this.#server.address()
    const bound = typeof address === 'object' && address !== null ? address.port : port
    this.#address = `${host.includes(':') ? `[${host}]` : host}:${bound}`
    return this.#address
  }

  attach(streams: KafkaStreams): void {
    this.#streams = streams
    this.#graph = topologyGraph(streams.topology.compile(streams.applicationId))
    this.#stores = new Map(this.#graph.stores.map((s) => [s.name, s]))
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #self(): string {
    return this.#streams?.applicationServer ?? this.#address ?? 'unknown'
  }

  #registry(): MetricsRegistry | undefined {
    return this.#options.registry ?? this.#streams?.metricsRegistry
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} is not supported; only GET`)
      const url = requestUrl(req.url ?? '/')
      let path: string[]
      try {
        path = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
      } catch {
        throw new HttpError(400, `bad percent-encoding in ${url.pathname}`)
      }
      const [head] = path
      // Open routes: the page (no data in it) and the probes.
      if (path.length === 0) return sendText(res, 200, webViewHtml(), 'text/html; charset=utf-8', WEB_VIEW_HEADERS)
      if (head === 'livez' && path.length === 1) return this.#livez(res)
      if (head === 'readyz' && path.length === 1) return this.#readyz(res)
      const token = this.#options.token
      if (token !== undefined && !bearerTokenMatches(req.headers, token)) throw new HttpError(401, 'missing or wrong bearer token')
      const streams = this.#streams
      if (streams === undefined) throw new HttpError(503, 'starting: no KafkaStreams instance attached yet', { retryAfterSeconds: 1 })
      await this.#route(streams, path, url.searchParams, req, res)
    } catch (error) {
      sendError(res, error)
    }
  }

  async #route(streams: KafkaStreams, path: string[], query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const [head, a, b] = path
    if (head === 'metrics' && a === undefined) {
      const registry = this.#registry()
      if (registry === undefined) throw new HttpError(404, 'no metrics registry: metrics are off for this instance')
      return sendText(res, 200, await registry.metrics(), registry.contentType)
    }
    if (head === 'topology' && a === undefined) return this.#topology(streams, query.get('format') ?? 'text', res)
    if (head === 'api' && a === 'topology' && b === undefined) return sendJson(res, 200, this.#graph)
    if (head === 'api' && a === 'status' && b === undefined) return sendJson(res, 200, await streamsStatus(streams, this.#self(), this.#registry()))
    if (head === 'stores' && a !== undefined && path.length <= 3) {
      const forwardedBy = header(req, FORWARDED_HEADER)
      const ctx = this.#queryContext(streams)
      const key = b !== undefined && b !== 'all' ? b : query.get('key') ?? undefined
      if (key !== undefined) return sendAnswer(res, await queryKey(ctx, a, key, forwardedBy))
      const range = { from: query.get('from') ?? undefined, to: query.get('to') ?? undefined, limit: limitOf(query) }
      if (b === 'all' && (range.from !== undefined || range.to !== undefined)) throw new HttpError(400, '/all takes no from/to; use /stores/:store?from=&to=')
      return sendAnswer(res, await queryRange(ctx, a, range, forwardedBy))
    }
    const answer = this.#options.routes === undefined ? undefined : await this.#options.routes({ path, query })
    if (answer !== undefined) return sendJson(res, 200, answer)
    throw new HttpError(404, `no route ${'/' + path.map(encodeURIComponent).join('/')}; try /, /livez, /readyz, /metrics, /topology, /api/status, /stores/:store/:key, /stores/:store?from=&to=, /stores/:store/all`)
  }

  #queryContext(streams: KafkaStreams): QueryContext {
    return {
      streams,
      self: () => this.#self(),
      stores: this.#stores,
      keys: this.#options.keys ?? {},
      token: this.#options.token,
      forwardTimeoutMs: this.#options.forwardTimeoutMs ?? 5000,
    }
  }

  #topology(streams: KafkaStreams, format: string, res: ServerResponse): void {
    if (format === 'text') return sendText(res, 200, streams.topology.describe())
    if (format === 'mermaid') return sendText(res, 200, streams.topology.toMermaid(), 'text/vnd.mermaid; charset=utf-8')
    if (format === 'json') return sendJson(res, 200, this.#graph)
    throw new HttpError(400, `unknown topology format "${format}"; use text, mermaid or json`)
  }

  /** Alive unless the instance has failed or stopped for good: a restart is what would help then. */
  #livez(res: ServerResponse): void {
    const state = this.#streams?.state ?? 'CREATED'
    if (UNHEALTHY.has(state)) return sendJson(res, 503, { status: 'down', state })
    sendJson(res, 200, { status: 'up', state })
  }

  /** Ready only when RUNNING: while rebalancing or restoring, its stores may not answer. */
  #readyz(res: ServerResponse): void {
    const state = this.#streams?.state ?? 'CREATED'
    if (state === 'RUNNING') return sendJson(res, 200, { status: 'ready', state })
    sendJson(res, 503, { status: 'not ready', state }, UNHEALTHY.has(state) ? {} : { 'retry-after': '1' })
  }
}

/** Starts the HTTP endpoint of `streams` (listening when the promise resolves). */
export async function startStreamsHttpServer(streams: KafkaStreams, options: StreamsHttpServerOptions = {}): Promise<StreamsHttpServer> {
  const server = new StreamsHttpServer(options)
  server.attach(streams)
  const fromApplicationServer = streams.applicationServer === undefined ? undefined : Number(streams.applicationServer.slice(streams.applicationServer.lastIndexOf(':') + 1))
  await server.listen(options.port ?? fromApplicationServer ?? 0)
  return server
}

function sendAnswer(res: ServerResponse, answer: QueryAnswer): void {
  const headers: { [name: string]: string } = { [SERVED_BY_HEADER]: answer.servedBy }
  if (answer.retryAfter !== undefined) headers['retry-after'] = answer.retryAfter
  sendJson(res, answer.status, answer.body, headers)
}

/** The request target as a URL: a path ('//x' too, which `new URL(target, base)` reads as host x), or an absolute URL. */
function requestUrl(target: string): URL {
  try {
    return target.startsWith('/') ? new URL(`http://localhost${target}`) : new URL(target)
  } catch {
    throw new HttpError(400, `bad request target ${JSON.stringify(target.slice(0, 200))}`)
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return typeof value === 'string' ? value : undefined
}

function limitOf(query: URLSearchParams): number {
  const text = query.get('limit')
  if (text === null) return DEFAULT_LIMIT
  const limit = Number(text)
  if (!/^\d+$/.test(text) || limit < 1 || limit > MAX_LIMIT) throw new HttpError(400, `limit must be an integer from 1 to ${MAX_LIMIT}, got "${text}"`)
  return limit
}
