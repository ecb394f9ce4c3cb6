import avsc from 'avsc'
import type { Schema, Type } from 'avsc'
import { AvroWriterSchemas } from './avro-writer-schemas.ts'
import type { Serde } from './serde.ts'
import { SerializationError } from './serde.ts'
import { show } from './errors.ts'
import type { SchemaRegistryClient, SchemaRegistryOption } from './schema-registry.ts'
import { resolveSchemaRegistry } from './schema-registry.ts'

// Confluent wire format: magic byte 0x00, the writer schema's registry id as a 4-byte big-endian
// int, then the Avro binary body. Java's KafkaAvroSerializer and every Confluent client use it.
const MAGIC_BYTE = 0
const HEADER_SIZE = 5
const INITIAL_SCRATCH = 1024

export interface AvroSerdeOptions {
  /**
   * A `@kafkajs/confluent-schema-registry` `SchemaRegistry`, or its connection settings
   * (`{ host, auth?, ... }`, e.g. Apicurio's `http://host:8080/apis/ccompat/v7`), or any
   * `SchemaRegistryClient`.
   */
  readonly registry: SchemaRegistryOption
  /**
   * This application's schema: the writer schema when serializing and the reader schema when
   * deserializing (data written with another compatible schema is resolved into it). An avsc
   * `Type`, a schema object, or schema JSON text.
   */
  readonly schema: Type | Schema | string
  /**
   * Subject to register under. Defaults to Confluent's TopicNameStrategy, `<topic>-value`
   * (`<topic>-key` with `isKey`). A function maps each topic to its subject.
   */
  readonly subject?: string | ((topic: string, isKey: boolean) => string)
  /** This serde serializes record keys (only changes the default subject). */
  readonly isKey?: boolean
  /**
   * Register the schema when it is not yet under the subject (default true, as Confluent's
   * `auto.register.schemas`). With false the schema must already be registered; it is looked up.
   */
  readonly autoRegister?: boolean
}

/**
 * Avro values in the Confluent wire format. I/O happens only in `configure()`,
 * `prepareSerialize(topic)` and `prepare(topic, bytes)`; `serialize` and `deserialize` are
 * synchronous and throw a `SerializationError` when the preparation they need has not happened.
 */
export class AvroSerde<T = unknown> implements Serde<T> {
  readonly name = 'Avro'
  readonly #type: Type
  readonly #schemaText: string
  readonly #registryOption: SchemaRegistryOption
  readonly #subject: string | ((topic: string, isKey: boolean) => string) | undefined
  readonly #isKey: boolean
  readonly #autoRegister: boolean
  #registry: Promise<SchemaRegistryClient> | undefined
  #configured: Promise<void> | undefined
  /** Writer id for a fixed `subject`, known after `configure()`. */
  #fixedId: number | undefined
  readonly #idByTopic = new Map<string, number>()
  readonly #idBySubject = new Map<string, Promise<number>>()
  readonly #writers: AvroWriterSchemas
  // Reused for every record: avsc encodes into it, then one right-sized copy leaves.
  #scratch = Buffer.allocUnsafeSlow(INITIAL_SCRATCH)

  constructor(options: AvroSerdeOptions) {
    const { type, text } = parseSchema(options.schema)
    this.#type = type
    this.#schemaText = text
    this.#registryOption = options.registry
    this.#subject = options.subject
    this.#isKey = options.isKey === true
    this.#autoRegister = options.autoRegister !== false
    this.#writers = new AvroWriterSchemas(type, this.#typeName(), () => this.#client())
  }

  /** With a fixed `subject`, registers (or looks up) the schema; otherwise only connects. */
  configure(): Promise<void> {
    if (this.#configured === undefined) {
      const pending = (async () => {
        await this.#client()
        if (typeof this.#subject === 'string') this.#fixedId = await this.#writerId(this.#subject)
      })()
      this.#configured = pending
      pending.catch(() => {
        if (this.#configured === pending) this.#configured = undefined // let a later call retry
      })
    }
    return this.#configured
  }

  prepareSerialize(topic: string): Promise<void> | undefined {
    if (this.#idByTopic.has(topic)) return undefined
    if (typeof this.#subject === 'string' && this.#fixedId !== undefined) return undefined
    return this.#writerId(this.#subjectFor(topic)).then((id) => {
      this.#idByTopic.set(topic, id)
    })
  }

  serialize(topic: string, value: T): Buffer {
    const id = this.#idByTopic.get(topic) ?? this.#fixedId
    if (id === undefined) {
      const call = typeof this.#subject === 'string' ? 'configure()' : `prepareSerialize(${JSON.stringify(topic)})`
      throw new SerializationError(
        `Avro: no schema id yet for subject "${this.#subjectFor(topic)}" (topic "${topic}"): ` +
          `await serde.${call} before serializing`,
      )
    }
    let end: number
    try {
      end = this.#type.encode(value, this.#scratch, HEADER_SIZE)
      if (end < 0) {
        // avsc reports how many bytes were missing; grow once and encode again.
        this.#scratch = Buffer.allocUnsafeSlow(Math.max(this.#scratch.length * 2, this.#scratch.length - end))
        end = this.#type.encode(value, this.#scratch, HEADER_SIZE)
      }
    } catch (cause) {
      throw new SerializationError(
        `Avro: value for topic "${topic}" does not match schema ${this.#typeName()}: ${this.#invalidPaths(value)}`,
        { cause },
      )
    }
    const out = Buffer.allocUnsafe(end)
    out[0] = MAGIC_BYTE
    out.writeInt32BE(id, 1)
    this.#scratch.copy(out, HEADER_SIZE, HEADER_SIZE, end)
    return out
  }

  prepare(_topic: string, data: Buffer): Promise<void> | undefined {
    // Malformed headers are deserialize's to report, record by record.
    if (data.length < HEADER_SIZE || data[0] !== MAGIC_BYTE) return undefined
    return this.#writers.prepare(data.readInt32BE(1))
  }

  deserialize(topic: string, data: Buffer): T {
    if (data.length < HEADER_SIZE) {
      throw new SerializationError(
        `Avro: ${data.length} bytes on topic "${topic}" are too short for the Confluent wire format ` +
          `(magic byte, 4-byte schema id, Avro body)`,
      )
    }
    if (data[0] !== MAGIC_BYTE) {
      throw new SerializationError(
        `Avro: unknown magic byte 0x${data.toString('hex', 0, 1)} on topic "${topic}" ` +
          `(expected 0x00, the Confluent wire format)`,
      )
    }
    const id = data.readInt32BE(1)
    const reader = this.#writers.reader(id)
    if (reader === undefined) {
      throw new SerializationError(
        `Avro: writer schema id ${id} on topic "${topic}" was not prepared: ` +
          `await serde.prepare(topic, data) before deserialize`,
      )
    }
    if (reader instanceof SerializationError) {
      throw new SerializationError(`${reader.message} (topic "${topic}")`, { cause: reader.cause })
    }
    try {
      return this.#type.fromBuffer(data.subarray(HEADER_SIZE), reader ?? undefined) as T
    } catch (cause) {
      throw new SerializationError(
        `Avro: cannot decode ${data.length} bytes on topic "${topic}" written with schema id ${id}: ${(cause as Error).message}`,
        { cause },
      )
    }
  }

  #client(): Promise<SchemaRegistryClient> {
    if (this.#registry === undefined) {
      const pending = resolveSchemaRegistry(this.#registryOption)
      this.#registry = pending
      pending.catch(() => {
        if (this.#registry === pending) this.#registry = undefined // let a later call retry
      })
    }
    return this.#registry
  }

  #subjectFor(topic: string): string {
    const subject = this.#subject
    if (typeof subject === 'string') return subject
    if (subject !== undefined) return subject(topic, this.#isKey)
    return `${topic}-${this.#isKey ? 'key' : 'value'}`
  }

  /** Registers or looks up this serde's schema under a subject, once per subject. */
  #writerId(subject: string): Promise<number> {
    let pending = this.#idBySubject.get(subject)
    if (pending === undefined) {
      pending = (async () => {
        const client = await this.#client()
        let id: number
        try {
          if (this.#autoRegister) {
            id = await client.register(subject, this.#schemaText)
          } else if (client.lookup !== undefined) {
            id = await client.lookup(subject, this.#schemaText)
          } else {
            throw new Error('autoRegister is false but the registry client has no lookup()')
          }
        } catch (cause) {
          const verb = this.#autoRegister ? 'register' : 'look up'
          throw new SerializationError(
            `Avro: cannot ${verb} schema ${this.#typeName()} under subject "${subject}": ${(cause as Error).message}`,
            { cause },
          )
        }
        // Our own bytes come back with this id: read them with our type directly.
        this.#writers.own(id)
        return id
      })()
      const settled = pending
      this.#idBySubject.set(subject, settled)
      settled.catch(() => this.#idBySubject.delete(subject))
    }
    return pending
  }

  #typeName(): string {
    return this.#type.name ?? this.#type.typeName
  }

  #invalidPaths(value: unknown): string {
    const problems: string[] = []
    this.#type.isValid(value, {
      errorHook: (path, invalid, type) => {
        problems.push(`${path.join('.') || '(value)'}: ${show(invalid)} is not a valid ${type.name ?? type.typeName}`)
      },
    })
    return problems.length > 0 ? problems.join('; ') : 'invalid value'
  }
}

function parseSchema(schema: Type | Schema | string): { type: Type; text: string } {
  if (avsc.Type.isType(schema)) {
    const type = schema as Type
    return { type, text: JSON.stringify(type) }
  }
  let parsed: Schema = schema as Schema
  let text: string
  if (typeof schema === 'string') {
    const trimmed = schema.trimStart()
    // JSON text, or a bare primitive name such as `string`.
    if (trimmed.startsWith('{') || trimmed.startsWith('[') || trimmed.startsWith('"')) {
      parsed = JSON.parse(schema) as Schema
      text = schema
    } else {
      text = JSON.stringify(schema)
    }
  } else {
    text = JSON.stringify(schema)
  }
  return { type: avsc.Type.forSchema(parsed), text }
}

/** `Serdes.avro<Payment>({ registry, schema })`: Avro in the Confluent wire format. */
export function avro<T = unknown>(options: AvroSerdeOptions): AvroSerde<T> {
  return new AvroSerde<T>(options)
}
