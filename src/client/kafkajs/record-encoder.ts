import { createRequire } from 'node:module'

/**
 * kafkajs 2.2.4 (its last release: the internals are frozen, see internals.ts) encodes each
 * produced record into a new `Encoder`, which starts with a zero-filled 512-byte buffer, writes
 * every varint through a temporary array and `Buffer.from`, and the timestamp delta through
 * 64-bit `Long` arithmetic. That took a fifth of a count's CPU in the bench profile. The common
 * record (key and value bytes or null, no headers, small deltas) is written here straight into
 * one buffer of its exact size, byte for byte what kafkajs writes; anything else goes to
 * kafkajs's own encoder. Installed in the require cache before kafkajs's produce request
 * loads it (imported by kafkajs-client.ts ahead of kafkajs); a no-op if kafkajs loaded first.
 */

interface RecordArgs {
  readonly offsetDelta?: number
  readonly timestampDelta?: number
  readonly key?: unknown
  readonly value?: unknown
  readonly headers?: { readonly [key: string]: unknown }
}

/** What kafkajs's RecordBatch reads of an encoded record: an Encoder's `buf` and `buffer`. */
interface EncodedRecord {
  readonly buf: Buffer
  readonly buffer: Buffer
}

type RecordEncoder = (args: RecordArgs) => EncodedRecord

const SMALL = 2 ** 30

/** Bytes of an unsigned varint (value < 2^32). */
function uvarintSize(value: number): number {
  let bytes = 1
  while (value >= 0x80) {
    value >>>= 7
    bytes++
  }
  return bytes
}

function writeUVarInt(buf: Buffer, offset: number, value: number): number {
  while (value >= 0x80) {
    buf[offset++] = (value & 0x7f) | 0x80
    value >>>= 7
  }
  buf[offset++] = value
  return offset
}

/** Kafka's zigzag of a signed value with |value| < 2^30 (as a non-negative number < 2^31). */
const zigzag = (value: number): number => (value >= 0 ? value * 2 : -value * 2 - 1)

function hasHeaders(headers: RecordArgs['headers']): boolean {
  if (headers === undefined) return false
  for (const _ in headers) return true
  return false
}

const isBytes = (x: unknown): x is Buffer | null | undefined => x === null || x === undefined || Buffer.isBuffer(x)

export function createRecordEncoder(fallback: RecordEncoder): RecordEncoder {
  return (args) => {
    const { offsetDelta = 0, timestampDelta = 0, key, value, headers } = args
    if (
      !isBytes(key) || !isBytes(value) || hasHeaders(headers) ||
      !Number.isInteger(offsetDelta) || offsetDelta < 0 || offsetDelta >= SMALL ||
      !Number.isInteger(timestampDelta) || Math.abs(timestampDelta) >= SMALL
    ) {
      return fallback(args)
    }
    const ts = zigzag(timestampDelta)
    const od = zigzag(offsetDelta)
    // A null key or value is length -1, whose zigzag is 1: one byte.
    const keyLength = key == null ? 0 : key.length
    const valueLength = value == null ? 0 : value.length
    const keyPrefix = key == null ? 1 : uvarintSize(zigzag(keyLength))
    const valuePrefix = value == null ? 1 : uvarintSize(zigzag(valueLength))
    // attributes (1), deltas, key, value, header count 0 (1)
    const body = 1 + uvarintSize(ts) + uvarintSize(od) + keyPrefix + keyLength + valuePrefix + valueLength + 1
    const buf = Buffer.allocUnsafe(uvarintSize(zigzag(body)) + body)
    let o = writeUVarInt(buf, 0, zigzag(body))
    buf[o++] = 0
    o = writeUVarInt(buf, o, ts)
    o = writeUVarInt(buf, o, od)
    if (key == null) buf[o++] = 1
    else {
      o = writeUVarInt(buf, o, zigzag(keyLength))
      o += key.copy(buf, o)
    }
    if (value == null) buf[o++] = 1
    else {
      o = writeUVarInt(buf, o, zigzag(valueLength))
      o += value.copy(buf, o)
    }
    buf[o] = 0
    return { buf, buffer: buf }
  }
}

function install(): boolean {
  const require = createRequire(import.meta.url)
  let recordPath: string
  let producePath: string
  try {
    recordPath = require.resolve('kafkajs/src/protocol/recordBatch/record/v0/index.js')
    producePath = require.resolve('kafkajs/src/protocol/requests/produce/v3/request.js')
  } catch {
    return false
  }
  // The produce request takes its reference to the record encoder when it loads.
  if (require.cache[producePath] !== undefined) return false
  const original = require(recordPath) as RecordEncoder
  const module = require.cache[recordPath]
  if (module === undefined) return false
  module.exports = createRecordEncoder(original)
  return true
}

/** Whether kafkajs will use this encoder (false when kafkajs was loaded before kstreams). */
export const recordEncoderInstalled: boolean = install()
