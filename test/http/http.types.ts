// Type tests for kstreams/http: checked by `npx tsc --noEmit -p tsconfig.json`, never run.
import { integerKeys, startStreamsHttpServer, storeKey, stringKeys } from '../../src/http/index.ts'
import type { StoreKeyFormat, StreamsHttpServer } from '../../src/http/index.ts'
import type { KafkaStreams } from '../../src/runtime/kafka-streams.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { expectType, type Equal } from '../types/expect.ts'

// A store's key type is inferred from its serde; the parser must produce it.
const byId = storeKey(Serdes.long(), Number)
expectType<Equal<typeof byId, StoreKeyFormat<number>>>()
expectType<Equal<typeof stringKeys, StoreKeyFormat<string>>>()
expectType<Equal<ReturnType<typeof integerKeys>, StoreKeyFormat<number>>>()
// @ts-expect-error a parser returning strings for a long-keyed store
storeKey(Serdes.long(), (text: string) => text)

declare const streams: KafkaStreams
// Stores with different key types side by side, no type arguments written.
const server = startStreamsHttpServer(streams, { keys: { orders: byId, users: stringKeys, sessions: storeKey(Serdes.uuid(), (t) => t) }, token: 't' })
expectType<Equal<typeof server, Promise<StreamsHttpServer>>>()
