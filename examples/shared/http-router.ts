/**
 * The examples' interactive-query plumbing (node:http, no framework): a JSON server that answers
 * GETs through the app's router, the instance-to-instance hop, and which instance (`host:port`)
 * holds what — from the instance's view of the group (`queryMetadataForKey`, `allMetadata`).
 */
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { KafkaStreams, Serde } from 'kstreams'

/** An error answered with its HTTP status. */
export class HttpError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

/** `host:port` of a `HostInfo`. */
export const hostOf = (info: { readonly host: string; readonly port: number }): string => `${info.host}:${info.port}`

/** Which instance (`host:port`) holds what. */
export interface Routing {
  /** The instance holding `key` in `store`; undefined while that is unknown (e.g. rebalancing). */
  ownerOf(store: string, key: string): string | undefined
  /** Every instance of the app, this one included. */
  instances(): string[]
}

export function streamsRouting(streams: KafkaStreams, self: string, keySerde: Serde<string>): Routing {
  return {
    ownerOf: (store, key) => {
      const host = streams.queryMetadataForKey(store, key, keySerde)?.activeHost
      return host === undefined ? undefined : hostOf(host)
    },
    instances: () => [...new Set([self, ...streams.allMetadata().map((m) => hostOf(m.hostInfo))])].sort(),
  }
}

/**
 * Another instance's answer. Unreachable is 503 (retry); `notFoundAs` replaces a 404, which from
 * the `/local/...` hop means the instances disagree on the routes, not that the thing is missing.
 */
export async function fetchJson<T>(url: string, notFoundAs = 404): Promise<T> {
  let response: Response
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(5000) })
  } catch (error) {
    throw new HttpError(503, `instance unreachable: ${url} (${(error as Error).message})`)
  }
  if (!response.ok) throw new HttpError(response.status === 404 ? notFoundAs : response.status, `${url} answered ${response.status}`)
  return (await response.json()) as T
}

/** Answers a GET: the path split at `/` (decoded), answered as JSON; throw an `HttpError` for another status. */
export type Router<App> = (app: App, path: string[]) => Promise<unknown>

/** Serves the queries of one instance; `listen` first, then `attach` the running app (503 until then). */
export class JsonServer<App> {
  readonly #server: Server
  readonly #route: Router<App>
  #app: App | undefined

  constructor(route: Router<App>) {
    this.#route = route
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

  attach(app: App): void {
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
      send(res, 200, await this.#route(app, path))
    } catch (error) {
      send(res, error instanceof HttpError ? error.status : 500, { error: (error as Error).message })
    }
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(`${JSON.stringify(body, null, 2)}\n`)
}

/** 503 unless the instance is RUNNING: its stores are not to be read while it rebalances. */
export function requireRunning(streams: KafkaStreams): void {
  if (streams.state !== 'RUNNING') throw new HttpError(503, `instance is ${streams.state}; retry`)
}
