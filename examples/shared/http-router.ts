/**
 * The examples' interactive-query plumbing: the app's own JSON routes served by the library's
 * HTTP endpoint (`kstreams/http`, which adds /livez, /readyz, /metrics, /topology, /stores/... and
 * the live web view at /), the instance-to-instance hop, and which instance (`host:port`) holds
 * what — from the instance's view of the group (`queryMetadataForKey`, `allMetadata`).
 */
import type { KafkaStreams, Serde } from 'kstreams'
import { HttpError, StreamsHttpServer } from 'kstreams/http'

export { HttpError }

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

/**
 * Serves the queries of one instance; `listen` first, then `attach` the running app (503 until
 * then). The app's routes come after the library's built-in ones.
 */
export class JsonServer<App extends { readonly streams: KafkaStreams }> {
  readonly #route: Router<App>
  #server: StreamsHttpServer | undefined
  #app: App | undefined

  constructor(route: Router<App>) {
    this.#route = route
  }

  /** Listens (port 0 picks a free one) and returns the `host:port` to advertise. */
  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    this.#server = new StreamsHttpServer({
      host,
      routes: ({ path }) => {
        if (this.#app === undefined) throw new HttpError(503, 'starting')
        return this.#route(this.#app, [...path])
      },
    })
    return this.#server.listen(port)
  }

  attach(app: App): void {
    this.#app = app
    this.#server?.attach(app.streams)
  }

  async close(): Promise<void> {
    await this.#server?.close()
  }
}

/** 503 unless the instance is RUNNING: its stores are not to be read while it rebalances. */
export function requireRunning(streams: KafkaStreams): void {
  if (streams.state !== 'RUNNING') throw new HttpError(503, `instance is ${streams.state}; retry`)
}
