/**
 * Errors raised while a task processes records. Each names where the record came from (topic,
 * partition, offset) and the processor node that failed, so a fail-stop is diagnosable from the
 * message alone.
 */

export class StreamsError extends Error {
  override name = 'StreamsError'
}

export interface RecordOrigin {
  readonly taskId: string
  /** The node that failed: the source node for deserialization, else the processor or sink. */
  readonly node: string
  /** Undefined when the failure happened inside a punctuator. */
  readonly topic: string | undefined
  readonly partition: number | undefined
  readonly offset: number | undefined
}

function describeOrigin(origin: RecordOrigin): string {
  const where = origin.topic === undefined
    ? 'in a punctuator'
    : `for the record at topic "${origin.topic}" partition ${origin.partition} offset ${origin.offset}`
  return `task ${origin.taskId}, node "${origin.node}", ${where}`
}

function causeMessage(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause)
}

/** A processor (or sink) threw while processing a record or punctuating. */
export class ProcessingError extends StreamsError implements RecordOrigin {
  override name = 'ProcessingError'
  readonly taskId: string
  readonly node: string
  readonly topic: string | undefined
  readonly partition: number | undefined
  readonly offset: number | undefined

  constructor(origin: RecordOrigin, cause: unknown) {
    super(`Processing failed in ${describeOrigin(origin)}: ${causeMessage(cause)}`, { cause })
    this.taskId = origin.taskId
    this.node = origin.node
    this.topic = origin.topic
    this.partition = origin.partition
    this.offset = origin.offset
  }
}

/** The record's key or value bytes did not decode with the source node's serde. */
export class DeserializationError extends StreamsError implements RecordOrigin {
  override name = 'DeserializationError'
  readonly taskId: string
  readonly node: string
  readonly topic: string
  readonly partition: number
  readonly offset: number

  constructor(origin: RecordOrigin & { topic: string; partition: number; offset: number }, cause: unknown) {
    super(`Deserialization failed in ${describeOrigin(origin)}: ${causeMessage(cause)}`, { cause })
    this.taskId = origin.taskId
    this.node = origin.node
    this.topic = origin.topic
    this.partition = origin.partition
    this.offset = origin.offset
  }
}

/**
 * An output record could not be written — its key or value did not serialize at the sink, or it
 * is larger than the producer may send — and the production handler answered `fail`. A kind of
 * `ProcessingError`, since it happens while a record is processed; the processing handler is not
 * asked again about it.
 */
export class ProductionError extends ProcessingError {
  override name = 'ProductionError'
  /** The topic the output record was for. */
  readonly outputTopic: string

  constructor(origin: RecordOrigin, outputTopic: string, cause: unknown) {
    super(origin, cause)
    this.outputTopic = outputTopic
    this.message = `Production to topic "${outputTopic}" failed in ${describeOrigin(origin)}: ${causeMessage(cause)}`
  }
}


/** An output record bigger than the producer may send or the topic may take (Kafka's `RecordTooLargeException`). */
export class RecordTooLargeError extends StreamsError {
  override name = 'RecordTooLargeError'
  readonly size: number
  readonly limit: number

  /** `limitName`: `maxRequestSize`, or the topic's `max.message.bytes`. */
  constructor(topic: string, size: number, limit: number, limitName = 'maxRequestSize') {
    super(`The record for topic "${topic}" is ${size} bytes when serialized, larger than ${limitName} (${limit})`)
    this.size = size
    this.limit = limit
  }
}
