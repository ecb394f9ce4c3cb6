import { readTimestamp, TIMESTAMP_SIZE, writeTimestamp } from './value-and-timestamp.ts'

/**
 * Binary layouts of windowed store keys, the same bytes as Kafka Streams' `WindowKeySchema` and
 * `SessionKeySchema`, so window-store changelogs mean the same thing to a Java application:
 *
 *   window store key:  key bytes | 8-byte big-endian window start | 4-byte sequence number
 *   session store key: key bytes | 8-byte big-endian session end | 8-byte big-endian session start
 *
 * Putting the key first makes "one key, a time range" a single contiguous range scan.
 * The sequence number tells duplicates apart in stores that keep them (stream-stream joins);
 * other stores always write 0.
 */

export const SEQNUM_SIZE = 4
export const WINDOW_SUFFIX_SIZE = TIMESTAMP_SIZE + SEQNUM_SIZE
export const SESSION_SUFFIX_SIZE = 2 * TIMESTAMP_SIZE

/** A suffix of 0xff bytes: an upper bound for "this key prefix with any suffix". */
const MAX_SUFFIX = Buffer.alloc(SESSION_SUFFIX_SIZE, 0xff)

export function windowStoreKey(key: Buffer, windowStart: number, seqnum: number): Buffer {
  const bytes = Buffer.allocUnsafe(key.length + WINDOW_SUFFIX_SIZE)
  key.copy(bytes, 0)
  writeTimestamp(bytes, windowStart, key.length)
  bytes.writeUInt32BE(seqnum >>> 0, key.length + TIMESTAMP_SIZE)
  return bytes
}

/** The record key of a window store key (a view, not a copy). */
export function windowKeyBytes(storeKey: Buffer): Buffer {
  return storeKey.subarray(0, storeKey.length - WINDOW_SUFFIX_SIZE)
}

export function windowStartOf(storeKey: Buffer): number {
  return readTimestamp(storeKey, storeKey.length - WINDOW_SUFFIX_SIZE)
}

export function seqnumOf(storeKey: Buffer): number {
  return storeKey.readUInt32BE(storeKey.length - SEQNUM_SIZE)
}

/** The largest window store key of `key` (any start, any sequence number). */
export function windowKeyUpperBound(key: Buffer): Buffer {
  return Buffer.concat([key, MAX_SUFFIX.subarray(0, WINDOW_SUFFIX_SIZE)])
}

export function sessionStoreKey(key: Buffer, start: number, end: number): Buffer {
  const bytes = Buffer.allocUnsafe(key.length + SESSION_SUFFIX_SIZE)
  key.copy(bytes, 0)
  writeTimestamp(bytes, end, key.length)
  writeTimestamp(bytes, start, key.length + TIMESTAMP_SIZE)
  return bytes
}

export function sessionKeyBytes(storeKey: Buffer): Buffer {
  return storeKey.subarray(0, storeKey.length - SESSION_SUFFIX_SIZE)
}

export function sessionEndOf(storeKey: Buffer): number {
  return readTimestamp(storeKey, storeKey.length - SESSION_SUFFIX_SIZE)
}

export function sessionStartOf(storeKey: Buffer): number {
  return readTimestamp(storeKey, storeKey.length - TIMESTAMP_SIZE)
}

/** The largest session store key of `key`. */
export function sessionKeyUpperBound(key: Buffer): Buffer {
  return Buffer.concat([key, MAX_SUFFIX])
}

/** True when the record-key part of `storeKey` equals `key` (range scans also meet longer keys). */
export function hasKey(storeKey: Buffer, suffixSize: number, key: Buffer): boolean {
  const length = storeKey.length - suffixSize
  return length === key.length && storeKey.compare(key, 0, key.length, 0, length) === 0
}

/** True when the record-key part of `storeKey` lies within `[from, to]` (undefined = open). */
export function keyWithin(storeKey: Buffer, suffixSize: number, from: Buffer | undefined, to: Buffer | undefined): boolean {
  const length = storeKey.length - suffixSize
  if (from !== undefined && storeKey.compare(from, 0, from.length, 0, length) < 0) return false
  if (to !== undefined && storeKey.compare(to, 0, to.length, 0, length) > 0) return false
  return true
}
