/**
 * A Serde turns a typed key or value into bytes and back. Serdes sit only at the edges of the
 * typed world: sources, sinks and the outermost (metered) store layer; everything below speaks
 * `Buffer` (see DESIGN.md, "bytes below, types above").
 *
 * `null` never reaches a serde: a null value is a tombstone and the layers above pass it through,
 * as Kafka's Java serdes do (`serialize(null) → null`).
 *
 * Both calls are synchronous because they run on the per-record hot path. A serde that needs I/O
 * (Avro with a schema registry) does it ahead of time in `configure()` and `prepare()`.
 */
export interface Serde<T> {
  /** Kafka-style name, used in describe() output and error messages, e.g. `String`, `Json`. */
  readonly name: string
  serialize(topic: string, value: T): Buffer
  /** Throws a `SerializationError` (or any Error) when the bytes do not decode. */
  deserialize(topic: string, data: Buffer): T
  /** One-time async set-up before the first record (register or look up schemas). */
  configure?(): Promise<void>
  /**
   * Async look-ahead for a record about to be deserialized: returns a promise when the
   * serde must fetch something first (an unknown writer-schema id), otherwise `undefined`,
   * so the common case costs no promise.
   */
  prepare?(topic: string, data: Buffer): Promise<void> | undefined
  /**
   * Async set-up for serializing to one topic, to call before the first record is written to
   * it (sink topics, changelog topics). Avro registers its writer schema under the topic's
   * subject (`<topic>-value` / `<topic>-key`) here, since `configure()` does not know the topic.
   * Returns a promise when there is work to do, otherwise `undefined`.
   */
  prepareSerialize?(topic: string): Promise<void> | undefined
}

/** The type a serde produces, for inference: `SerdeType<ReturnType<typeof Serdes.long>>` is `number`. */
export type SerdeType<S> = S extends Serde<infer T> ? T : never

/** Raised for bytes that do not decode or values that do not encode. */
export class SerializationError extends Error {
  override readonly name = 'SerializationError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}
