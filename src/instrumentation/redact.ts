/**
 * Secrets never reach a log line: SASL passwords and tokens, TLS keys, certificates and
 * passphrases, bearer tokens. `redactSecrets` makes a loggable copy of a configuration object —
 * plain objects and arrays are copied with secret fields censored, everything else is described,
 * not dumped (a serde, a client, a registry: `[JsonSerde]`; bytes: `[1234 bytes]`), so a config
 * dump cannot leak what an object happens to hold.
 */
export const REDACTED = '[redacted]'

/** Field names whose values are secrets wherever they appear (compared case-insensitively). */
const SECRET_FIELDS = new Set([
  'password', 'passphrase', 'secret', 'secretaccesskey', 'sessiontoken', 'accesskeyid', 'token', 'accesstoken',
  'refreshtoken', 'bearertoken', 'authorization', 'key', 'cert', 'pfx', 'credentials', 'apikey', 'apisecret', 'clientsecret',
])

export function isSecretField(name: string): boolean {
  return SECRET_FIELDS.has(name.toLowerCase().replace(/[-_]/g, ''))
}

export function redactSecrets(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? '[function]' : value
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${(value as ArrayBufferView).byteLength} bytes]`
  if (seen.has(value) || depth > 8) return '[circular or too deep]'
  seen.add(value)
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1, seen))
  const proto = Object.getPrototypeOf(value) as object | null
  if (proto !== Object.prototype && proto !== null) return `[${(value as object).constructor?.name ?? 'object'}]`
  const out: { [key: string]: unknown } = {}
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretField(k) && v !== undefined && v !== null ? REDACTED : redactSecrets(v, depth + 1, seen)
  }
  return out
}

/**
 * pino `redact` paths for the same fields, for objects logged by the library or the user through
 * the default logger (pino's wildcards match one level, so the usual depths are listed).
 */
export const PINO_REDACT_PATHS: string[] = ['password', 'passphrase', 'token', 'authorization', 'sasl.password', 'sasl.secretAccessKey',
  'sasl.sessionToken', 'ssl.key', 'ssl.cert', 'ssl.passphrase', 'ssl.pfx'].flatMap((p) => [p, `*.${p}`, `*.*.${p}`])
