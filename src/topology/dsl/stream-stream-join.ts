import type { ValueJoiner } from '../../processors/functions.ts'
import { JoinTimeTrackers } from '../../processors/join-time-tracker.ts'
import { KStreamJoinWindow } from '../../processors/kstream-join-window.ts'
import { KStreamKStreamJoin } from '../../processors/kstream-kstream-join.ts'
import { leftOrRightValuesSerde, timestampedKeyAndJoinSideSerde } from '../../processors/outer-join-records.ts'
import { PassThrough } from '../../processors/pass-through.ts'
import type { Serde } from '../../serdes/serde.ts'
import { materialize } from '../../state/materialize.ts'
import type { StoreBuilder } from '../../state/store.ts'
import { Stores } from '../../state/stores.ts'
import type { StreamInternals } from './internals.ts'
import type { StreamJoinedOptions } from './join-options.ts'
import { copartition } from './join-support.ts'
import type { JoinWindows } from './join-windows.ts'
import { KStream } from './kstream.ts'

export type StreamJoinKind = 'inner' | 'left' | 'outer'

const WINDOWED = 'KSTREAM-WINDOWED-'

/**
 * Two streams joined within a time window (Kafka's `KStreamImplJoin`), node for node:
 *
 *   left  ─▶ KSTREAM-WINDOWED (this window store) ─▶ KSTREAM-JOINTHIS (reads the other window) ─┐
 *   right ─▶ KSTREAM-WINDOWED (other window store) ─▶ KSTREAM-JOINOTHER (reads this window) ───┴▶ KSTREAM-MERGE
 *
 * Window stores keep every record (duplicates) for `before + after + grace`. Left and outer joins
 * add a shared outer-join store where unjoined records wait for their window to close
 * (`JOINTHIS`/`JOINOTHER` become `OUTERTHIS`/`OUTEROTHER` on the sides that emit them). A side whose
 * key changed upstream is repartitioned first (`<name>-left-repartition` / `-right-repartition`,
 * or `<node>-repartition`); both inputs are co-partitioned.
 */
export function streamStreamJoin<K, V, VO, VR>(
  left: StreamInternals,
  right: StreamInternals,
  joiner: ValueJoiner<V | null, VO | null, VR, K>,
  windows: JoinWindows,
  kind: StreamJoinKind,
  options: StreamJoinedOptions<K, V, VO> | undefined,
): KStream<K, VR> {
  const b = left.builder
  const t = b.topology
  const knownKeySerde: Serde<K> | undefined = options?.key ?? left.keySerde ?? right.keySerde ?? b.defaultKeySerde
  const keySerde = b.internalSerde(knownKeySerde)
  const thisSerde = b.internalSerde<V>(b.valueSerde(options?.value, left.valueSerde))
  const otherSerde = b.internalSerde<VO>(b.valueSerde(options?.otherValue, right.valueSerde))
  const named = options?.name
  const leftParent = left.repartitionRequired
    ? b.repartition(left.name, named !== undefined ? `${named}-left` : left.name, keySerde, thisSerde, { dropNullKeys: true })
    : left.name
  const rightParent = right.repartitionRequired
    ? b.repartition(right.name, named !== undefined ? `${named}-right` : right.name, keySerde, otherSerde, { dropNullKeys: true })
    : right.name

  const leftOuter = kind !== 'inner'
  const rightOuter = kind === 'outer'
  const nameOr = (suffix: string, generated: () => string): string => (named !== undefined ? named + suffix : generated())
  const thisWindowed = nameOr('-this-windowed', () => b.newProcessorName(WINDOWED))
  const otherWindowed = nameOr('-other-windowed', () => b.newProcessorName(WINDOWED))
  const thisGenerated = b.newProcessorName(rightOuter ? 'KSTREAM-OUTERTHIS-' : 'KSTREAM-JOINTHIS-')
  const otherGenerated = b.newProcessorName(leftOuter ? 'KSTREAM-OUTEROTHER-' : 'KSTREAM-JOINOTHER-')
  const joinThis = nameOr(rightOuter ? '-outer-this-join' : '-this-join', () => thisGenerated)
  const joinOther = nameOr(leftOuter ? '-outer-other-join' : '-other-join', () => otherGenerated)
  const merge = nameOr('-merge', () => b.newProcessorName('KSTREAM-MERGE-'))

  const base = options?.storeName
  const thisStore = base !== undefined ? `${base}-this-join-store` : `${thisGenerated}-store`
  const otherStore = base !== undefined ? `${base}-other-join-store` : `${otherGenerated}-store`
  const outerStore = !leftOuter
    ? undefined
    : base !== undefined
      ? `${base}${rightOuter ? '-outer-shared-join' : '-left-shared-join'}-store`
      : `KSTREAM-OUTERSHARED-${thisGenerated.slice(thisGenerated.lastIndexOf('-') + 1)}-store`

  const trackers = new JoinTimeTrackers()
  const side = { graceMs: windows.graceMs, windowBeforeMs: windows.beforeMs, windowAfterMs: windows.afterMs, outerJoinStore: outerStore, trackers }
  const reversed: ValueJoiner<VO | null, V | null, VR, K> = (o, v, key) => joiner(v, o, key)
  t.addProcessor(thisWindowed, () => new KStreamJoinWindow<K, V>(thisStore), leftParent)
  t.addProcessor(otherWindowed, () => new KStreamJoinWindow<K, VO>(otherStore), rightParent)
  t.addProcessor(joinThis, () => new KStreamKStreamJoin<K, V, VO, VR>({
    ...side, leftSide: true, otherWindowStore: otherStore, beforeMs: windows.beforeMs, afterMs: windows.afterMs, outer: leftOuter, joiner,
  }), thisWindowed)
  t.addProcessor(joinOther, () => new KStreamKStreamJoin<K, VO, V, VR>({
    ...side, leftSide: false, otherWindowStore: thisStore, beforeMs: windows.afterMs, afterMs: windows.beforeMs, outer: rightOuter, joiner: reversed,
  }), otherWindowed)
  t.addProcessor(merge, () => new PassThrough(), joinThis, joinOther)

  t.addStateStore(windowStore(thisStore, windows, keySerde, thisSerde, options), thisWindowed, joinOther)
  t.addStateStore(windowStore(otherStore, windows, keySerde, otherSerde, options), otherWindowed, joinThis)
  if (outerStore !== undefined) {
    t.addStateStore(materialize({
      storeName: outerStore,
      keySerde: timestampedKeyAndJoinSideSerde(keySerde),
      valueSerde: leftOrRightValuesSerde(thisSerde, otherSerde),
      ...(options?.storeType !== undefined && { storeType: options.storeType }),
      ...(options?.logging !== undefined && { logging: options.logging }),
    }), joinThis, joinOther)
  }
  copartition(t, leftParent, rightParent)
  return new KStream<K, VR>({ builder: b, name: merge, keySerde: knownKeySerde, valueSerde: undefined, repartitionRequired: false })
}

/** A join side's buffer: every record (duplicates kept) for the window's span plus grace. */
function windowStore<K, V>(name: string, windows: JoinWindows, keySerde: Serde<K>, valueSerde: Serde<V>, options: StreamJoinedOptions<any, any, any> | undefined): StoreBuilder {
  const size = windows.size()
  const retention = size + windows.graceMs
  const supplier = options?.storeType === 'memory'
    ? Stores.inMemoryWindowStore(name, retention, size, true)
    : Stores.persistentWindowStore(name, retention, size, true)
  const builder = Stores.windowStoreBuilder(supplier, keySerde, valueSerde)
  const logging = options?.logging
  if (logging === false) builder.withLoggingDisabled()
  else if (typeof logging === 'object') builder.withLoggingEnabled(logging.config)
  return builder
}
