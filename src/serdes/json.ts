import type { Serde } from './serde.ts'
import { SerializationError } from './serde.ts'
import type { StandardSchemaV1 } from './standard-schema.ts'
import { formatIssues } from './standard-schema.ts'

export interface JsonSerdeOptions<T = unknown> {
  /**
   * Any Standard Schema v1 validator (zod, valibot, arktype, …). Deserialized values are
   * validated and the validator's output is returned; failures are `SerializationError`s that
   * list each issue with its path. Validators must be synchronous: serdes run per record on
   * the synchronous path, so a validator returning a promise is reported as an error.
   */
  readonly schema?: StandardSchemaV1<unknown, T>
  /**
   * Also validate before serializing (default false). Only correct for schemas whose output
   * type is also a valid input, i.e. without transforms: a schema that turns an ISO string into
   * a `Date` on the way in would refuse the `Date` on the way out.
   */
  readonly validateOnSerialize?: boolean
}

/** `Serdes.json({ schema })`: the value type is the schema's output type. */
export function json<S extends StandardSchemaV1>(
  options: Omit<JsonSerdeOptions, 'schema'> & { readonly schema: S },
): Serde<StandardSchemaV1.InferOutput<S>>
/** `Serdes.json<Payment>()`: the value type is the type argument, unchecked at run time. */
export function json<T = unknown>(options?: JsonSerdeOptions<T>): Serde<T>
export function json<T>(options: JsonSerdeOptions<T> = {}): Serde<T> {
  const schema = options.schema?.['~standard']
  if (schema !== undefined && schema.version !== 1) {
    throw new TypeError(`Serdes.json: unsupported Standard Schema version ${String(schema.version)} (expected 1)`)
  }
  const validate = (topic: string, value: unknown, direction: string): T => {
    if (schema === undefined) return value as T
    const result = schema.validate(value)
    if (isThenable(result)) {
      // We cannot wait for it; keep a rejection from surfacing as an unhandled one.
      Promise.resolve(result).catch(() => {})
      throw new SerializationError(
        `Json: the ${schema.vendor} schema validated asynchronously while ${direction} topic "${topic}"; ` +
          `serdes run synchronously, so use a synchronous schema`,
      )
    }
    if (result.issues !== undefined) {
      throw new SerializationError(
        `Json: ${schema.vendor} schema validation failed while ${direction} topic "${topic}": ${formatIssues(result.issues)}`,
      )
    }
    return result.value
  }
  const validateOnSerialize = options.validateOnSerialize === true && schema !== undefined

  return Object.freeze({
    name: 'Json',
    serialize(topic: string, value: T): Buffer {
      const checked = validateOnSerialize ? validate(topic, value, 'serializing for') : value
      let text: string | undefined
      try {
        text = JSON.stringify(checked)
      } catch (cause) {
        // Cycles and bigints land here.
        throw new SerializationError(`Json: cannot serialize value for topic "${topic}": ${(cause as Error).message}`, { cause })
      }
      if (text === undefined) {
        throw new SerializationError(`Json: cannot serialize ${typeof checked} for topic "${topic}": JSON has no representation for it`)
      }
      return Buffer.from(text, 'utf8')
    },
    deserialize(topic: string, data: Buffer): T {
      let parsed: unknown
      try {
        parsed = JSON.parse(data.toString('utf8'))
      } catch (error) {
        // V8 quotes the text it choked on; error messages end up in logs, where record bytes must not.
        const cause = new SyntaxError(withoutQuotedInput((error as Error).message))
        throw new SerializationError(`Json: malformed JSON on topic "${topic}" (${data.length} bytes): ${cause.message}`, { cause })
      }
      return validate(topic, parsed, 'deserializing from')
    },
  })
}

/** `Unexpected token 'x', "<input>" is not valid JSON` without the input; messages with positions are kept. */
function withoutQuotedInput(message: string): string {
  return message.replace(/(^|, )(?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '$1the text is not valid JSON')
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}
