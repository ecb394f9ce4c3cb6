import type { Serde } from '../../serdes/serde.ts'
import { SerializationError } from '../../serdes/serde.ts'

/**
 * The serde the DSL falls back to for its own repartition topics and state stores when no serde
 * is known for a key or value (after `groupBy`, `map`, `mapValues`... the type changes at run time
 * and no serde follows it; Kafka Streams would use the configured default serde).
 *
 * It round-trips what such values usually are, faithfully and with the type kept: string, number
 * (including NaN and ±Infinity), bigint, boolean, null, undefined, Buffer/Uint8Array (read back
 * as Buffer), Date, arrays, Map, Set and plain objects (property order kept), nested freely.
 * Class instances, functions and symbols are refused with a SerializationError, since they would
 * not come back as what went in.
 *
 * The encoding is a tag byte per value. It is deterministic (equal values give equal bytes, -0 is
 * written as 0), which matters because a store finds keys and a partitioner places them by their
 * bytes. It is this library's own format: only for topics and stores the application itself
 * writes and reads, never for topics other programs read.
 */

const NULL = 0
const UNDEFINED = 1
const FALSE = 2
const TRUE = 3
const NUMBER = 4
const STRING = 5
const BIGINT = 6
const BYTES = 7
const ARRAY = 8
const OBJECT = 9
const DATE = 10
const MAP = 11
const SET = 12

class Writer {
  buf = Buffer.allocUnsafe(64)
  pos = 0

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n))
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  tag(t: number): void {
    this.ensure(1)
    this.buf[this.pos++] = t
  }

  u32(n: number): void {
    this.ensure(4)
    this.buf.writeUInt32BE(n, this.pos)
    this.pos += 4
  }

  f64(n: number): void {
    this.ensure(8)
    this.buf.writeDoubleBE(n === 0 ? 0 : n, this.pos)
    this.pos += 8
  }

  text(s: string): void {
    const len = Buffer.byteLength(s, 'utf8')
    this.u32(len)
    this.ensure(len)
    this.buf.write(s, this.pos, len, 'utf8')
    this.pos += len
  }

  bytes(b: Uint8Array): void {
    this.u32(b.length)
    this.ensure(b.length)
    this.buf.set(b, this.pos)
    this.pos += b.length
  }
}

function write(w: Writer, value: unknown, topic: string): void {
  switch (typeof value) {
    case 'string':
      w.tag(STRING)
      return w.text(value)
    case 'number':
      w.tag(NUMBER)
      return w.f64(value)
    case 'boolean':
      return w.tag(value ? TRUE : FALSE)
    case 'bigint':
      w.tag(BIGINT)
      return w.text(value.toString())
    case 'undefined':
      return w.tag(UNDEFINED)
    case 'object':
      break
    default:
      throw refuse(topic, typeof value)
  }
  if (value === null) return w.tag(NULL)
  if (value instanceof Uint8Array) {
    w.tag(BYTES)
    return w.bytes(value)
  }
  if (Array.isArray(value)) {
    w.tag(ARRAY)
    w.u32(value.length)
    for (const item of value) write(w, item, topic)
    return
  }
  if (value instanceof Date) {
    w.tag(DATE)
    return w.f64(value.getTime())
  }
  if (value instanceof Map) {
    w.tag(MAP)
    w.u32(value.size)
    for (const [k, v] of value) {
      write(w, k, topic)
      write(w, v, topic)
    }
    return
  }
  if (value instanceof Set) {
    w.tag(SET)
    w.u32(value.size)
    for (const v of value) write(w, v, topic)
    return
  }
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) throw refuse(topic, `an instance of ${proto?.constructor?.name ?? 'a class'}`)
  const keys = Object.keys(value)
  w.tag(OBJECT)
  w.u32(keys.length)
  for (const key of keys) {
    w.text(key)
    write(w, (value as { [key: string]: unknown })[key], topic)
  }
}

function refuse(topic: string, what: string): SerializationError {
  return new SerializationError(
    `The structured serde (used for topic or store "${topic}" because no serde was given) cannot encode ${what}; ` +
      'pass a serde in the operator options (key/value) or set defaultKeySerde/defaultValueSerde on the StreamsBuilder',
  )
}

class Reader {
  readonly buf: Buffer
  pos: number
  readonly topic: string

  constructor(buf: Buffer, topic: string) {
    this.buf = buf
    this.pos = 0
    this.topic = topic
  }

  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new SerializationError(`Truncated structured value on "${this.topic}"`)
  }

  u32(): number {
    this.need(4)
    const n = this.buf.readUInt32BE(this.pos)
    this.pos += 4
    return n
  }

  f64(): number {
    this.need(8)
    const n = this.buf.readDoubleBE(this.pos)
    this.pos += 8
    return n
  }

  text(): string {
    const len = this.u32()
    this.need(len)
    const s = this.buf.toString('utf8', this.pos, this.pos + len)
    this.pos += len
    return s
  }

  value(): unknown {
    this.need(1)
    const tag = this.buf[this.pos++]
    switch (tag) {
      case NULL: return null
      case UNDEFINED: return undefined
      case FALSE: return false
      case TRUE: return true
      case NUMBER: return this.f64()
      case STRING: return this.text()
      case BIGINT: return BigInt(this.text())
      case BYTES: {
        const len = this.u32()
        this.need(len)
        const b = Buffer.from(this.buf.subarray(this.pos, this.pos + len))
        this.pos += len
        return b
      }
      case ARRAY: {
        const n = this.u32()
        const out = new Array<unknown>(n)
        for (let i = 0; i < n; i++) out[i] = this.value()
        return out
      }
      case DATE: return new Date(this.f64())
      case MAP: {
        const n = this.u32()
        const out = new Map<unknown, unknown>()
        for (let i = 0; i < n; i++) out.set(this.value(), this.value())
        return out
      }
      case SET: {
        const n = this.u32()
        const out = new Set<unknown>()
        for (let i = 0; i < n; i++) out.add(this.value())
        return out
      }
      case OBJECT: {
        const n = this.u32()
        const out: { [key: string]: unknown } = {}
        for (let i = 0; i < n; i++) {
          const key = this.text()
          // defineProperty, so a "__proto__" key stays data instead of setting the prototype.
          Object.defineProperty(out, key, { value: this.value(), enumerable: true, writable: true, configurable: true })
        }
        return out
      }
      default:
        throw new SerializationError(`Unknown structured tag ${tag} on "${this.topic}" (not written by the structured serde?)`)
    }
  }
}

const structured: Serde<any> = Object.freeze({
  name: 'Structured',
  serialize(topic: string, value: unknown): Buffer {
    // Top-level strings are the common key: one exact-size buffer, no length prefix needed.
    if (typeof value === 'string') {
      const len = Buffer.byteLength(value, 'utf8')
      const out = Buffer.allocUnsafe(5 + len)
      out[0] = STRING
      out.writeUInt32BE(len, 1)
      out.write(value, 5, len, 'utf8')
      return out
    }
    const w = new Writer()
    write(w, value, topic)
    return Buffer.from(w.buf.subarray(0, w.pos))
  },
  deserialize(topic: string, data: Buffer): unknown {
    const r = new Reader(data, topic)
    const value = r.value()
    if (r.pos !== data.length) throw new SerializationError(`Trailing bytes after a structured value on "${topic}"`)
    return value
  },
})

/** The structured serde; `name` is `Structured`. */
export function structuredSerde<T>(): Serde<T> {
  return structured as Serde<T>
}
