import type { Serde } from '../serdes/serde.ts'
import { SerializationError } from '../serdes/serde.ts'
import { readTimestamp, TIMESTAMP_SIZE, writeTimestamp } from './value-and-timestamp.ts'
import type { Windowed } from './windowed.ts'

/** What a time-windowed key deserializes to without a window size: an end "at infinity", as Kafka. */
const UNBOUNDED_END = Number.MAX_SAFE_INTEGER

function withPrepare<T>(serde: Serde<T>, inner: Serde<any>, trailer: number): Serde<T> {
  if (inner.configure) serde.configure = () => inner.configure!()
  if (inner.prepareSerialize) serde.prepareSerialize = (topic) => inner.prepareSerialize!(topic)
  if (inner.prepare) serde.prepare = (topic, data) => inner.prepare!(topic, data.subarray(0, data.length - trailer))
  return serde
}

/**
 * Kafka's `TimeWindowedSerde`: the inner key's bytes followed by the 8-byte big-endian window
 * start, so a Java consumer reads the topic with `WindowedSerdes.timeWindowedSerdeFrom`. The end
 * is not written; deserializing takes it as `start + windowSizeMs` (give the size of the windows
 * written, else the end is unbounded).
 */
function timeWindowed<K>(inner: Serde<K>, windowSizeMs?: number): Serde<Windowed<K>> {
  return withPrepare<Windowed<K>>(
    {
      name: `TimeWindowed<${inner.name}>`,
      serialize(topic: string, data: Windowed<K>): Buffer {
        const key = inner.serialize(topic, data.key)
        const bytes = Buffer.allocUnsafe(key.length + TIMESTAMP_SIZE)
        key.copy(bytes, 0)
        writeTimestamp(bytes, data.window.start, key.length)
        return bytes
      },
      deserialize(topic: string, data: Buffer): Windowed<K> {
        if (data.length < TIMESTAMP_SIZE) throw new SerializationError(`A time-windowed key needs at least ${TIMESTAMP_SIZE} bytes, got ${data.length}`)
        const start = readTimestamp(data, data.length - TIMESTAMP_SIZE)
        const end = windowSizeMs === undefined ? UNBOUNDED_END : start + windowSizeMs
        return { key: inner.deserialize(topic, data.subarray(0, data.length - TIMESTAMP_SIZE)), window: { start, end } }
      },
    },
    inner,
    TIMESTAMP_SIZE,
  )
}

/** Kafka's `SessionWindowedSerde`: the inner key's bytes, then the session end and start (8 bytes each). */
function sessionWindowed<K>(inner: Serde<K>): Serde<Windowed<K>> {
  const trailer = 2 * TIMESTAMP_SIZE
  return withPrepare<Windowed<K>>(
    {
      name: `SessionWindowed<${inner.name}>`,
      serialize(topic: string, data: Windowed<K>): Buffer {
        const key = inner.serialize(topic, data.key)
        const bytes = Buffer.allocUnsafe(key.length + trailer)
        key.copy(bytes, 0)
        writeTimestamp(bytes, data.window.end, key.length)
        writeTimestamp(bytes, data.window.start, key.length + TIMESTAMP_SIZE)
        return bytes
      },
      deserialize(topic: string, data: Buffer): Windowed<K> {
        if (data.length < trailer) throw new SerializationError(`A session-windowed key needs at least ${trailer} bytes, got ${data.length}`)
        const end = readTimestamp(data, data.length - trailer)
        const start = readTimestamp(data, data.length - TIMESTAMP_SIZE)
        return { key: inner.deserialize(topic, data.subarray(0, data.length - trailer)), window: { start, end } }
      },
    },
    inner,
    trailer,
  )
}

/** Serdes for windowed keys (Kafka Streams' `WindowedSerdes`), e.g. to write a windowed table to a topic. */
export const WindowedSerdes = Object.freeze({ timeWindowed, sessionWindowed })
