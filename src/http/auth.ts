import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

/**
 * Bearer-token check in constant time: both sides are hashed first, so neither the comparison
 * nor an early length mismatch tells an attacker how much of a guess was right.
 */
export function bearerTokenMatches(headers: IncomingHttpHeaders, token: string): boolean {
  const header = headers.authorization
  if (typeof header !== 'string') return false
  const match = /^Bearer\s+(.+)$/i.exec(header.trim())
  if (match === null) return false
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest()
  return timingSafeEqual(digest(match[1]!), digest(token))
}
