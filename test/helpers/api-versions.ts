/**
 * A raw ApiVersions v3 request over a plain socket: the cheapest proof that a Kafka broker (not
 * just an open port) answers, and the only place the protocol exposes what release it runs —
 * the `metadata.version` feature levels (KIP-584/778) carried in v3's tagged fields. kafkajs
 * speaks ApiVersions v2 only, so it cannot tell. Used by scripts/test.ts and the startup test.
 */
import { connect } from 'node:net'

export interface ApiVersionsReply {
  readonly apiKeys: ReadonlyMap<number, { readonly min: number; readonly max: number }>
  /** Feature → [min, max] this broker binary supports (e.g. metadata.version 1..21 on 3.9). */
  readonly supportedFeatures: ReadonlyMap<string, readonly [number, number]>
  /** Feature → [min, max] level the cluster runs at (set when the log dir was formatted). */
  readonly finalizedFeatures: ReadonlyMap<string, readonly [number, number]>
}

/** metadata.version's top level per release (MetadataVersion.java: 3.8-IV0 = 20, 3.9-IV0 = 21). */
export const METADATA_VERSION_TOP_LEVEL: Readonly<Record<string, number>> = { '3.8': 20, '3.9': 21 }

const CORRELATION_ID = 0x6b73 // "ks"

function request(): Buffer {
  const clientId = Buffer.from('kstreams-probe')
  const software = Buffer.from('kstreams')
  const version = Buffer.from('1')
  // Header v2: api_key, api_version, correlation_id, client_id (int16 string), no tagged fields.
  const header = Buffer.alloc(10)
  header.writeInt16BE(18, 0)
  header.writeInt16BE(3, 2)
  header.writeInt32BE(CORRELATION_ID, 4)
  header.writeInt16BE(clientId.length, 8)
  // Body v3: compact strings (length + 1 as an unsigned varint; all short here), tagged fields.
  const body = Buffer.concat([
    Buffer.from([software.length + 1]), software,
    Buffer.from([version.length + 1]), version,
    Buffer.from([0]),
  ])
  const frame = Buffer.concat([header, clientId, Buffer.from([0]), body])
  const size = Buffer.alloc(4)
  size.writeInt32BE(frame.length)
  return Buffer.concat([size, frame])
}

class Reader {
  readonly #buf: Buffer
  #at = 0
  constructor(buf: Buffer) {
    this.#buf = buf
  }
  int16(): number {
    const v = this.#buf.readInt16BE(this.#at)
    this.#at += 2
    return v
  }
  int32(): number {
    const v = this.#buf.readInt32BE(this.#at)
    this.#at += 4
    return v
  }
  uvarint(): number {
    let value = 0
    for (let shift = 0; ; shift += 7) {
      const byte = this.#buf.readUInt8(this.#at++)
      value += (byte & 0x7f) * 2 ** shift
      if ((byte & 0x80) === 0) return value
    }
  }
  compactString(): string {
    const n = this.uvarint() - 1
    const s = this.#buf.toString('utf8', this.#at, this.#at + n)
    this.#at += n
    return s
  }
  skip(n: number): void {
    this.#at += n
  }
  skipTags(): void {
    for (let n = this.uvarint(); n > 0; n--) {
      this.uvarint()
      this.skip(this.uvarint())
    }
  }
  features(): Map<string, readonly [number, number]> {
    const out = new Map<string, readonly [number, number]>()
    for (let n = this.uvarint() - 1; n > 0; n--) {
      const name = this.compactString()
      const a = this.int16()
      const b = this.int16()
      this.skipTags()
      out.set(name, [a, b])
    }
    return out
  }
}

function parse(payload: Buffer): ApiVersionsReply {
  const r = new Reader(payload)
  // ApiVersions responses always use header v0 (no tagged fields), so old clients can read them.
  if (r.int32() !== CORRELATION_ID) throw new Error('ApiVersions: correlation id mismatch')
  const error = r.int16()
  if (error !== 0) throw new Error(`ApiVersions v3 failed with error code ${error} (broker older than 2.4?)`)
  const apiKeys = new Map<number, { min: number; max: number }>()
  for (let n = r.uvarint() - 1; n > 0; n--) {
    const key = r.int16()
    apiKeys.set(key, { min: r.int16(), max: r.int16() })
    r.skipTags()
  }
  r.int32() // throttle_time_ms
  let supportedFeatures = new Map<string, readonly [number, number]>()
  let finalizedFeatures = new Map<string, readonly [number, number]>()
  for (let n = r.uvarint(); n > 0; n--) {
    const tag = r.uvarint()
    const size = r.uvarint()
    if (tag === 0) supportedFeatures = r.features() // SupportedFeatures: name, min, max
    else if (tag === 2) {
      // FinalizedFeatures: name, max_version_level, min_version_level (max first on the wire).
      finalizedFeatures = new Map([...r.features()].map(([k, [max, min]]) => [k, [min, max] as const]))
    } else r.skip(size)
  }
  return { apiKeys, supportedFeatures, finalizedFeatures }
}

/** Sends ApiVersions v3 to `host:port`; rejects on refusal, timeout or a non-Kafka reply. */
export function apiVersions(address: string, timeoutMs = 3000): Promise<ApiVersionsReply> {
  const at = address.lastIndexOf(':')
  const host = address.slice(0, at).replace(/^\[|\]$/g, '')
  const port = Number(address.slice(at + 1))
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port })
    const chunks: Buffer[] = []
    let received = 0
    const fail = (error: Error) => {
      socket.destroy()
      reject(error)
    }
    const timer = setTimeout(() => fail(new Error(`no ApiVersions reply from ${address} within ${timeoutMs} ms`)), timeoutMs)
    socket.once('error', (error) => {
      clearTimeout(timer)
      fail(error)
    })
    socket.once('connect', () => socket.write(request()))
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      received += chunk.length
      const all = Buffer.concat(chunks, received)
      if (all.length < 4 || all.length < 4 + all.readInt32BE(0)) return
      clearTimeout(timer)
      socket.destroy()
      try {
        resolve(parse(all.subarray(4, 4 + all.readInt32BE(0))))
      } catch (error) {
        reject(error as Error)
      }
    })
  })
}
