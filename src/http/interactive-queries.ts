import type { KafkaStreams } from '../runtime/kafka-streams.ts'
import type { ReadOnlyKeyValueStore } from '../state/store.ts'
import { HttpError } from './http-error.ts'
import { stringKeys, type StoreKeyFormat } from './store-keys.ts'
import type { StoreGraph } from './topology-graph.ts'

/** Header naming the instance (`host:port`) whose local store answered. */
export const SERVED_BY_HEADER = 'x-kstreams-served-by'
/** Set on the instance-to-instance hop: answer from the local store, never forward again. */
export const FORWARDED_HEADER = 'x-kstreams-forwarded-by'

export interface QueryContext {
  readonly streams: KafkaStreams
  /** How this instance is named in answers: its `applicationServer`, else the address it listens on. */
  readonly self: () => string
  readonly stores: ReadonlyMap<string, StoreGraph>
  readonly keys: { readonly [store: string]: StoreKeyFormat<any> }
  readonly token: string | undefined
  readonly forwardTimeoutMs: number
}

export interface QueryAnswer {
  readonly status: number
  readonly body: unknown
  readonly servedBy: string
  readonly retryAfter?: string | undefined
}

export interface RangeRequest {
  readonly from: string | undefined
  readonly to: string | undefined
  readonly limit: number
}

const RETRY_SECONDS = 1

/**
 * `GET /stores/:store/:key`: answered from the local store when this instance holds the key's
 * partition (or was asked by another instance), else forwarded to the instance that does, found
 * with `queryMetadataForKey` — its `applicationServer` must be where its HTTP server listens.
 */
export async function queryKey(ctx: QueryContext, storeName: string, keyText: string, forwardedBy: string | undefined): Promise<QueryAnswer> {
  const store = knownStore(ctx, storeName)
  const format = keyFormat(ctx, storeName)
  const key = parse(format, keyText, 'key')
  const self = ctx.self()
  if (!store.global) {
    const metadata = ctx.streams.queryMetadataForKey(storeName, key, format.serde)
    if (ctx.streams.applicationServer !== undefined) {
      const owner = metadata?.activeHost
      if (owner === undefined) throw unavailable(`no instance holds key "${keyText}" of store "${storeName}" right now (state ${ctx.streams.state}; rebalancing?); retry`)
      const ownerAddress = `${owner.host}:${owner.port}`
      if (ownerAddress !== self) {
        // Forwarded here, yet owned elsewhere: the two instances saw different rebalances.
        if (forwardedBy !== undefined) throw unavailable(`instance ${forwardedBy} routed key "${keyText}" here, but ${ownerAddress} holds it now (rebalancing); retry`)
        return forward(ctx, ownerAddress, `/stores/${encodeURIComponent(storeName)}?key=${encodeURIComponent(keyText)}`)
      }
    }
    // A key of a task still restoring (or not here) would read as missing: say so instead.
    const task = metadata === undefined ? undefined : `${store.subtopology}_${metadata.partition}`
    if (task !== undefined && !runsHere(ctx, task)) throw unavailable(`task ${task}, which holds key "${keyText}" of store "${storeName}", is not running on this instance right now (restoring or rebalancing); retry`)
  }
  const value = readLocal(ctx, storeName, (view) => view.get(key))
  if (value === undefined) return { status: 404, body: { store: storeName, key, value: null, servedBy: self, error: `no value for key "${keyText}" in store "${storeName}"` }, servedBy: self }
  return { status: 200, body: { store: storeName, key, value, servedBy: self }, servedBy: self }
}

/**
 * `GET /stores/:store?from=&to=&limit=` and `/stores/:store/all`: each instance holding the
 * store's tasks answers from its local store; the entries are merged (ordered by key when keys
 * are strings or numbers: local stores are ordered, the union across tasks is not), at most `limit`.
 */
export async function queryRange(ctx: QueryContext, storeName: string, request: RangeRequest, forwardedBy: string | undefined): Promise<QueryAnswer> {
  const store = knownStore(ctx, storeName)
  const format = keyFormat(ctx, storeName)
  const from = request.from === undefined ? undefined : parse(format, request.from, 'from')
  const to = request.to === undefined ? undefined : parse(format, request.to, 'to')
  const self = ctx.self()
  const local = (): Part => {
    // A task of the store still restoring would leave its keys out without a word: say so instead.
    if (!store.global) {
      const tasks = ctx.streams.metadataForLocalThreads().flatMap((t) => t.activeTasks).filter((a) => a.taskId.startsWith(`${store.subtopology}_`))
      const waiting = tasks.filter((a) => a.state !== 'running').map((a) => a.taskId)
      if (waiting.length > 0) throw unavailable(`tasks ${waiting.join(', ')} of store "${storeName}" are not running on this instance yet (restoring or rebalancing); retry`)
    }
    const entries = readLocal(ctx, storeName, (view) => {
      using it = from === undefined && to === undefined ? view.all() : view.range(from, to)
      const out: Array<{ key: unknown; value: unknown }> = []
      for (const { key, value } of it) {
        if (out.length === request.limit) return { out, truncated: true }
        out.push({ key, value })
      }
      return { out, truncated: false }
    })
    return { host: self, entries: entries.out.map((e) => ({ ...e, servedBy: self })), truncated: entries.truncated }
  }
  let hosts = [self]
  if (forwardedBy === undefined && !store.global && ctx.streams.applicationServer !== undefined) {
    hosts = ctx.streams.allMetadata().filter((m) => m.stateStoreNames.includes(storeName)).map((m) => `${m.hostInfo.host}:${m.hostInfo.port}`)
    if (hosts.length === 0) throw unavailable(`no instance holds store "${storeName}" right now (state ${ctx.streams.state}; rebalancing?); retry`)
  }
  const query = new URLSearchParams({ limit: String(request.limit) })
  if (request.from !== undefined) query.set('from', request.from)
  if (request.to !== undefined) query.set('to', request.to)
  const parts = await Promise.all(hosts.map(async (host): Promise<Part> => {
    if (host === self) return local()
    const answer = await forward(ctx, host, `/stores/${encodeURIComponent(storeName)}?${query}`)
    if (answer.status !== 200) throw new HttpError(answer.status === 404 ? 502 : answer.status, `${host}: ${(answer.body as { error?: string }).error ?? `HTTP ${answer.status}`}`, answer.status === 503 ? { retryAfterSeconds: RETRY_SECONDS } : {})
    const body = answer.body as { entries: Part['entries']; truncated: boolean }
    return { host, entries: body.entries, truncated: body.truncated }
  }))
  let entries = parts.flatMap((p) => p.entries)
  if (parts.length > 1) entries.sort((a, b) => compareKeys(a.key, b.key))
  let truncated = parts.some((p) => p.truncated)
  if (entries.length > request.limit) {
    entries = entries.slice(0, request.limit)
    truncated = true
  }
  const servedBy = hosts.join(',')
  return { status: 200, body: { store: storeName, from: from ?? null, to: to ?? null, limit: request.limit, count: entries.length, truncated, servedBy: hosts, entries }, servedBy }
}

interface Part {
  readonly host: string
  readonly entries: Array<{ key: unknown; value: unknown; servedBy: string }>
  readonly truncated: boolean
}

function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0
  return 0
}

function runsHere(ctx: QueryContext, taskId: string): boolean {
  return ctx.streams.metadataForLocalThreads().some((t) => t.activeTasks.some((a) => a.taskId === taskId && a.state === 'running'))
}

function knownStore(ctx: QueryContext, name: string): StoreGraph {
  const store = ctx.stores.get(name)
  if (store === undefined) throw new HttpError(404, `no state store named "${name}" in this topology (stores: ${[...ctx.stores.keys()].join(', ') || 'none'})`)
  if (!store.queryable) throw new HttpError(400, `state store "${name}" is not a key-value store; only key-value stores are queryable over HTTP`)
  return store
}

function keyFormat(ctx: QueryContext, store: string): StoreKeyFormat<unknown> {
  return ctx.keys[store] ?? stringKeys
}

function parse(format: StoreKeyFormat<unknown>, text: string, what: string): unknown {
  try {
    return format.parse(text)
  } catch (error) {
    throw new HttpError(400, `bad ${what} "${text}": ${(error as Error).message}`)
  }
}

function unavailable(message: string): HttpError {
  return new HttpError(503, message, { retryAfterSeconds: RETRY_SECONDS })
}

/** Reads this instance's view of the store; a store no running task holds (yet) is a 503. */
function readLocal<T>(ctx: QueryContext, store: string, read: (view: ReadOnlyKeyValueStore<unknown, unknown>) => T): T {
  try {
    return read(ctx.streams.store(store))
  } catch (error) {
    if ((error as Error).name !== 'IllegalStateError') throw error
    throw unavailable(`state store "${store}" is not queryable on this instance right now (state ${ctx.streams.state}; restoring or rebalancing?); retry`)
  }
}

/** The instance-to-instance hop: the same request to `host`, marked so it is answered there. */
async function forward(ctx: QueryContext, host: string, path: string): Promise<QueryAnswer> {
  const headers: { [name: string]: string } = { [FORWARDED_HEADER]: ctx.self(), accept: 'application/json' }
  if (ctx.token !== undefined) headers.authorization = `Bearer ${ctx.token}`
  let response: Response
  try {
    response = await fetch(`http://${host}${path}`, { headers, signal: AbortSignal.timeout(ctx.forwardTimeoutMs) })
  } catch (error) {
    throw unavailable(`instance ${host} is unreachable (${(error as Error).message}); retry`)
  }
  let body: unknown
  try {
    body = await response.json()
  } catch {
    throw new HttpError(502, `instance ${host} answered HTTP ${response.status} without JSON; is its HTTP server at its applicationServer address?`)
  }
  if (response.status === 401) throw new HttpError(502, `instance ${host} refused the forwarded request (401): give every instance the same token`)
  return { status: response.status, body, servedBy: response.headers.get(SERVED_BY_HEADER) ?? host, retryAfter: response.headers.get('retry-after') ?? undefined }
}
