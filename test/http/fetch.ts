/** A GET against a test's HTTP server: status, headers and the body (JSON when it is JSON). */
export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: any
}

export async function get(base: string, path: string, headers: { [name: string]: string } = {}): Promise<Answer> {
  const response = await fetch(`${base}${path}`, { headers, signal: AbortSignal.timeout(10_000) })
  const text = await response.text()
  let json: unknown
  if ((response.headers.get('content-type') ?? '').startsWith('application/json')) json = JSON.parse(text)
  return { status: response.status, headers: response.headers, text, json }
}
