import assert from 'node:assert/strict'
import { SerializationError } from '../../src/serdes/serde.ts'

/** Hex of a buffer, spaced per byte, for readable exact-byte assertions: `00 00 01 00`. */
export function hex(buf: Buffer): string {
  return buf.toString('hex').replace(/(..)(?!$)/g, '$1 ')
}

export function bytesOf(spacedHex: string): Buffer {
  return Buffer.from(spacedHex.replace(/\s+/g, ''), 'hex')
}

/** Asserts fn throws a SerializationError whose message matches every pattern. */
export function assertSerializationError(fn: () => unknown, ...patterns: RegExp[]): SerializationError {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  assert.ok(caught instanceof SerializationError, `expected a SerializationError, got ${String(caught)}`)
  for (const pattern of patterns) assert.match(caught.message, pattern)
  return caught
}
