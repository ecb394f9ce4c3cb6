// Type tests for windowed aggregations and suppression: checked by `tsc --noEmit`, never run.
import { Serdes } from '../../src/serdes/serdes.ts'
import type { SessionStore } from '../../src/state/session-store.ts'
import { Stores } from '../../src/state/stores.ts'
import type { StoreBuilder } from '../../src/state/store.ts'
import type { WindowStore } from '../../src/state/window-store.ts'
import type { Windowed } from '../../src/state/windowed.ts'
import { EmitStrategy } from '../../src/topology/dsl/emit-strategy.ts'
import type { KStream } from '../../src/topology/dsl/kstream.ts'
import type { KTable } from '../../src/topology/dsl/ktable.ts'
import type { SessionWindowedKStream } from '../../src/topology/dsl/session-windowed-kstream.ts'
import { SessionWindows } from '../../src/topology/dsl/session-windows.ts'
import { SlidingWindows } from '../../src/topology/dsl/sliding-windows.ts'
import { StreamsBuilder } from '../../src/topology/dsl/streams-builder.ts'
import { BufferConfig, Suppressed } from '../../src/topology/dsl/suppressed.ts'
import type { TimeWindowedKStream } from '../../src/topology/dsl/time-windowed-kstream.ts'
import { TimeWindows } from '../../src/topology/dsl/time-windows.ts'
import { expectType, type Equal } from './expect.ts'

const b = new StreamsBuilder()
const grouped = b.stream('clicks', { key: Serdes.string(), value: Serdes.json<{ page: string; ms: number }>() }).groupByKey()

const tumbling = grouped.windowedBy(TimeWindows.ofSizeWithNoGrace(60_000))
expectType<Equal<typeof tumbling, TimeWindowedKStream<string, { page: string; ms: number }>>>()
const sliding = grouped.windowedBy(SlidingWindows.ofTimeDifferenceWithNoGrace(10_000))
expectType<Equal<typeof sliding, TimeWindowedKStream<string, { page: string; ms: number }>>>()
const sessions = grouped.windowedBy(SessionWindows.ofInactivityGapWithNoGrace(30_000))
expectType<Equal<typeof sessions, SessionWindowedKStream<string, { page: string; ms: number }>>>()

const counts = tumbling.emitStrategy(EmitStrategy.onWindowClose()).count()
expectType<Equal<typeof counts, KTable<Windowed<string>, number>>>()
const total = tumbling.aggregate(() => 0, (_key, click, sum) => sum + click.ms)
expectType<Equal<typeof total, KTable<Windowed<string>, number>>>()
const pages = sessions.aggregate(
  () => [] as string[],
  (_key, click, list) => [...list, click.page],
  (_key, a, c) => [...a, ...c],
)
expectType<Equal<typeof pages, KTable<Windowed<string>, string[]>>>()

// untilWindowCloses suppresses windowed tables only, with a strict buffer.
const final = counts.suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
expectType<Equal<typeof final, KTable<Windowed<string>, number>>>()
counts.suppress(Suppressed.untilWindowCloses(BufferConfig.maxRecords(10).shutDownWhenFull(), { idleCloseMs: 5000 }))
// @ts-expect-error emitting early would not give final results
Suppressed.untilWindowCloses(BufferConfig.maxRecords(10))
const table = b.table('t', { key: Serdes.string(), value: Serdes.long() })
// @ts-expect-error a plain table has no windows to close
table.suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
table.suppress(Suppressed.untilTimeLimit(1000, BufferConfig.maxRecords(100).emitEarlyWhenFull()))

// Windowed keys map to plain records.
const labelled = counts.toStream().map((windowed, count) => [`${windowed.key}@${windowed.window.start}`, count ?? 0] as const)
expectType<Equal<typeof labelled, KStream<`${string}@${number}`, number>>>()

// Store factories type their stores from the serdes.
const windowStore = Stores.windowStoreBuilder(Stores.inMemoryWindowStore('w', 60_000, 10_000), Serdes.string(), Serdes.long())
expectType<Equal<typeof windowStore, StoreBuilder<WindowStore<string, number>>>>()
const sessionStore = Stores.sessionStoreBuilder(Stores.persistentSessionStore('s', 60_000), Serdes.string(), Serdes.long())
expectType<Equal<typeof sessionStore, StoreBuilder<SessionStore<string, number>>>>()
