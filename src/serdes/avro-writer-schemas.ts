import avsc from 'avsc'
import type { Resolver, Schema, Type } from 'avsc'
import { SerializationError } from './serde.ts'
import type { SchemaRegistryClient } from './schema-registry.ts'

/**
 * How to read bytes written with one writer schema: `null` when it is the serde's own schema (read
 * without a resolver), a resolver into the serde's schema, or the error every such record raises.
 */
export type AvroReader = Resolver | null | SerializationError

/**
 * The writer schemas an Avro serde has met on the wire, by registry id, each resolved into the
 * serde's own (reader) schema. Fetched once per id, asynchronously in `prepare`, so that
 * `deserialize` stays synchronous; an id the registry lacks or a schema that cannot be read as
 * ours is remembered as an error, raised per record for the deserialization handler to decide.
 */
export class AvroWriterSchemas {
  readonly #type: Type
  readonly #typeName: string
  readonly #client: () => Promise<SchemaRegistryClient>
  readonly #readers = new Map<number, AvroReader>()
  readonly #pending = new Map<number, Promise<void>>()

  constructor(type: Type, typeName: string, client: () => Promise<SchemaRegistryClient>) {
    this.#type = type
    this.#typeName = typeName
    this.#client = client
  }

  /** `id` is the serde's own schema (registered or looked up by it): no resolver needed. */
  own(id: number): void {
    this.#readers.set(id, null)
  }

  /** How to read `id`'s bytes; undefined until `prepare` fetched it. */
  reader(id: number): AvroReader | undefined {
    return this.#readers.get(id)
  }

  /** Fetches writer schema `id` unless known; undefined when nothing needs fetching. */
  prepare(id: number): Promise<void> | undefined {
    if (this.#readers.has(id)) return undefined
    return this.#pending.get(id) ?? this.#load(id)
  }

  /** Fetches a writer schema by id and builds the resolver into our reader schema. */
  #load(id: number): Promise<void> {
    const pending = (async () => {
      let text: string
      try {
        text = await (await this.#client()).getSchema(id)
      } catch (cause) {
        if ((cause as { status?: unknown }).status === 404) {
          // The registry has no such id: as final as an unreadable schema, so each such record is
          // the deserialization handler's to decide (skip, dead-letter), not a stopped instance.
          this.#readers.set(id, new SerializationError(`Avro: unknown writer schema id ${id}: the registry has no such schema`, { cause }))
          return
        }
        // Transient or not, it is not cached: the next prepare() asks again.
        throw new SerializationError(`Avro: cannot fetch writer schema id ${id} from the registry: ${(cause as Error).message}`, {
          cause,
        })
      }
      let reader: AvroReader
      try {
        const writer = avsc.Type.forSchema(JSON.parse(text) as Schema)
        reader = this.#type.equals(writer) ? null : this.#type.createResolver(writer)
      } catch (cause) {
        // Deterministic (an id's schema never changes), so remembered and raised per record,
        // where the deserialization error handler can decide.
        reader = new SerializationError(
          `Avro: data written with schema id ${id} cannot be read as ${this.#typeName}: ${(cause as Error).message}`,
          { cause },
        )
      }
      this.#readers.set(id, reader)
    })()
    this.#pending.set(id, pending)
    const forget = () => this.#pending.delete(id)
    pending.then(forget, forget)
    return pending
  }
}
