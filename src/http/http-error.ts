import type { ServerResponse } from 'node:http'

/** An error answered with its HTTP status (and, for a 503, how soon to retry). */
export class HttpError extends Error {
  override name = 'HttpError'
  readonly status: number
  readonly retryAfterSeconds: number | undefined

  constructor(status: number, message: string, options: { readonly retryAfterSeconds?: number } = {}) {
    super(message)
    this.status = status
    this.retryAfterSeconds = options.retryAfterSeconds
  }
}

/**
 * JSON for store contents: bigints as decimal strings and bytes as base64, which
 * `JSON.stringify` would otherwise throw on or spell out byte by byte.
 */
export function toJson(body: unknown): string {
  return JSON.stringify(body, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString()
    if (value instanceof Uint8Array) return Buffer.from(value).toString('base64')
    if (typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
      // Buffer.toJSON ran before the replacer saw it.
      return Buffer.from((value as { data: number[] }).data).toString('base64')
    }
    if (value instanceof Map) return Object.fromEntries(value)
    if (value instanceof Set) return [...value]
    return value
  })
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: { readonly [name: string]: string } = {}): void {
  const text = `${toJson(body)}\n`
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers })
  res.end(text)
}

export function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain; charset=utf-8', headers: { readonly [name: string]: string } = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', ...headers })
  res.end(text)
}

export function sendError(res: ServerResponse, error: unknown): void {
  if (error instanceof HttpError) {
    const headers: { [name: string]: string } = {}
    if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds)
    if (error.status === 401) headers['www-authenticate'] = 'Bearer realm="kstreams"'
    sendJson(res, error.status, { error: error.message }, headers)
    return
  }
  sendJson(res, 500, { error: (error as Error)?.message ?? String(error) })
}
