import { readTimestamp, writeTimestamp } from './value-and-timestamp.ts'

/** The record context a buffered record is emitted with (Kafka's `ProcessorRecordContext`). */
export interface BufferedRecordContext {
  readonly timestamp: number
  readonly topic: string | undefined
  readonly partition: number
  readonly offset: number
  readonly headers: { readonly [key: string]: Buffer | string }
}

/** One buffered table update, serialized: what the suppression buffer keeps per key. */
export interface BufferValue {
  /** The time that orders the buffer (window end, or record time) and decides eviction. */
  readonly time: number
  readonly oldValue: Buffer | null
  readonly newValue: Buffer | null
  readonly context: BufferedRecordContext
}

const NULL_LENGTH = -1

/**
 * The changelog value of a buffered record. Kafka's own layout carries a version header this
 * library's changelog writes cannot set, so the buffer has its own, written and read only here:
 *
 *   8 time | 8 record timestamp | 8 offset | 4 partition | 4+n topic (-1: none)
 *   | 4 header count, each 4+n name 4+n value | 4+n old value (-1: null) | 4+n new value (-1: null)
 */
export function encodeBufferValue(value: BufferValue): Buffer {
  const topic = value.context.topic === undefined ? null : Buffer.from(value.context.topic, 'utf8')
  const headers = Object.entries(value.context.headers).map(([name, v]) => [Buffer.from(name, 'utf8'), typeof v === 'string' ? Buffer.from(v, 'utf8') : v] as const)
  let size = 8 + 8 + 8 + 4 + 4 + (topic?.length ?? 0) + 4 + 4 + (value.oldValue?.length ?? 0) + 4 + (value.newValue?.length ?? 0)
  for (const [name, v] of headers) size += 8 + name.length + v.length
  const out = Buffer.allocUnsafe(size)
  let pos = 0
  writeTimestamp(out, value.time, pos)
  writeTimestamp(out, value.context.timestamp, (pos += 8))
  writeTimestamp(out, value.context.offset, (pos += 8))
  out.writeInt32BE(value.context.partition, (pos += 8))
  pos += 4
  const put = (bytes: Buffer | null): void => {
    out.writeInt32BE(bytes === null ? NULL_LENGTH : bytes.length, pos)
    pos += 4
    if (bytes !== null) pos += bytes.copy(out, pos)
  }
  put(topic)
  out.writeInt32BE(headers.length, pos)
  pos += 4
  for (const [name, v] of headers) {
    put(name)
    put(v)
  }
  put(value.oldValue)
  put(value.newValue)
  return out
}

export function decodeBufferValue(bytes: Buffer): BufferValue {
  let pos = 0
  const time = readTimestamp(bytes, pos)
  const timestamp = readTimestamp(bytes, (pos += 8))
  const offset = readTimestamp(bytes, (pos += 8))
  const partition = bytes.readInt32BE((pos += 8))
  pos += 4
  const take = (): Buffer | null => {
    const length = bytes.readInt32BE(pos)
    pos += 4
    if (length === NULL_LENGTH) return null
    const slice = Buffer.from(bytes.subarray(pos, pos + length))
    pos += length
    return slice
  }
  const topic = take()
  const headerCount = bytes.readInt32BE(pos)
  pos += 4
  const headers: { [key: string]: Buffer } = {}
  for (let i = 0; i < headerCount; i++) {
    const name = take()!.toString('utf8')
    headers[name] = take()!
  }
  const oldValue = take()
  const newValue = take()
  return { time, oldValue, newValue, context: { timestamp, topic: topic?.toString('utf8'), partition, offset, headers } }
}

/** What a buffered record costs in memory, for `maxBytes` (Kafka counts key, values and context too). */
export function bufferValueSize(key: Buffer, value: BufferValue): number {
  return key.length + (value.oldValue?.length ?? 0) + (value.newValue?.length ?? 0) + (value.context.topic?.length ?? 0) + 40
}
