import type { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'

/**
 * The little the Avro serde needs from a Confluent-compatible schema registry. The default
 * implementation wraps `@kafkajs/confluent-schema-registry`; tests may pass their own.
 */
export interface SchemaRegistryClient {
  /** The schema text registered under a global id (`GET /schemas/ids/{id}`). */
  getSchema(id: number): Promise<string>
  /** Registers a schema under a subject, or finds it if already there; returns its id. */
  register(subject: string, schema: string): Promise<number>
  /** The id of a schema already registered under a subject, without registering (`POST /subjects/{s}`). Needed only with `autoRegister: false`. */
  lookup?(subject: string, schema: string): Promise<number>
}

/** Connection settings for the built-in client: those of `@kafkajs/confluent-schema-registry`. */
export type SchemaRegistryConfig = ConstructorParameters<typeof SchemaRegistry>[0] & {
  /**
   * The compatibility level set on a subject the first time it is registered (the client's
   * default is BACKWARD). The client refuses to register into an existing subject whose level
   * differs; Apicurio reports NONE for subjects created outside the client, so pass 'NONE' there.
   */
  readonly compatibility?: `${COMPATIBILITY}`
}

/** What the Avro serde's `registry` option accepts. */
export type SchemaRegistryOption = SchemaRegistry | SchemaRegistryConfig | SchemaRegistryClient

const AVRO = 'AVRO' as SchemaType.AVRO

/** Adapts a `@kafkajs/confluent-schema-registry` client to `SchemaRegistryClient`. */
export function fromConfluentClient(registry: SchemaRegistry, compatibility?: `${COMPATIBILITY}`): SchemaRegistryClient {
  const registerOptions = compatibility === undefined ? {} : { compatibility: compatibility as COMPATIBILITY }
  return {
    async getSchema(id) {
      // The client parses (and caches) what `GET /schemas/ids/{id}` returns into an avsc Type;
      // its JSON form is the schema with custom attributes (logicalType, …) preserved.
      const schema: unknown = await registry.getSchema(id)
      if (typeof (schema as { createResolver?: unknown }).createResolver !== 'function') {
        throw new Error(`schema id ${id} is not an Avro schema`)
      }
      return JSON.stringify(schema)
    },
    async register(subject, schema) {
      const { id } = await registry.register({ type: AVRO, schema }, { subject, ...registerOptions })
      return id
    },
    lookup(subject, schema) {
      return registry.getRegistryIdBySchema(subject, { type: AVRO, schema })
    },
  }
}

/**
 * Turns the `registry` option into a client. The `@kafkajs/confluent-schema-registry` module
 * (with its HTTP and JSON-schema dependencies) is loaded only when a `{ host }` config asks for it,
 * so importing kstreams without Avro stays light.
 */
export async function resolveSchemaRegistry(option: SchemaRegistryOption): Promise<SchemaRegistryClient> {
  if (isConfluentClient(option)) return fromConfluentClient(option)
  if ('host' in option) {
    const { compatibility, ...args } = option
    const { SchemaRegistry } = await import('@kafkajs/confluent-schema-registry')
    return fromConfluentClient(new SchemaRegistry(args), compatibility)
  }
  return option
}

// Duck-typed rather than `instanceof`, so a client from another copy of the package still works.
// Our own interface has neither `decode` nor `getRegistryIdBySchema`.
function isConfluentClient(option: SchemaRegistryOption): option is SchemaRegistry {
  const candidate = option as Partial<Record<'decode' | 'getRegistryIdBySchema', unknown>>
  return typeof candidate.decode === 'function' && typeof candidate.getRegistryIdBySchema === 'function'
}
