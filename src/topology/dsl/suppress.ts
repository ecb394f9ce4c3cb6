import { KTableSuppress } from '../../processors/ktable-suppress.ts'
import { TimeOrderedKeyValueBufferBuilder } from '../../state/time-ordered-buffer-builder.ts'
import { INTERNALS } from './internals.ts'
import { KTable } from './ktable.ts'
import type { Suppressed } from './suppressed.ts'
import { windowCloseDelayOf } from './windowed-store.ts'

/**
 * `KTable.suppress` (Kafka's `KTableImpl.suppress`): a processor with a changelogged buffer
 * store, named `<name>` / `<name>-store` or `KTABLE-SUPPRESS-…`. `untilWindowCloses` finds the
 * grace period of the windowed aggregation upstream (for sessions, gap + grace).
 */
export function suppressTable<K, V>(table: KTable<K, V>, suppressed: Suppressed<K>): KTable<K, V> {
  const t = table[INTERNALS]
  const b = t.builder
  const name = suppressed.name ?? b.newProcessorName('KTABLE-SUPPRESS-')
  let suppressDurationMs = suppressed.timeToWaitMs
  if (suppressed.kind === 'until-window-closes') {
    const delay = windowCloseDelayOf(b.topology, t.name)
    if (delay === undefined) {
      throw new TypeError(`suppress(untilWindowCloses) needs a windowed table (from windowedBy(...) aggregations); "${t.name}" is not one`)
    }
    suppressDurationMs = delay
  }
  const storeName = suppressed.name !== undefined ? `${suppressed.name}-store` : b.newStoreName('KTABLE-SUPPRESS-')
  const config = suppressed.bufferConfig
  const store = new TimeOrderedKeyValueBufferBuilder(storeName, b.internalSerde(t.keySerde), b.internalSerde(t.valueSerde))
  if (config.loggingEnabled) store.withLoggingEnabled(config.logConfig)
  else store.withLoggingDisabled()
  const spec = {
    name,
    storeName,
    suppressDurationMs,
    windowed: suppressed.kind === 'until-window-closes',
    safeToDropTombstones: suppressed.kind === 'until-window-closes',
    maxRecords: config.maxRecords,
    maxBytes: config.maxBytes,
    whenFull: config.whenFull,
    idleCloseMs: suppressed.idleCloseMs,
  } as const
  b.topology.addProcessor(name, () => new KTableSuppress<K, V>(spec), t.name)
  b.topology.addStateStore(store, name)
  return new KTable<K, V>({
    builder: b,
    name,
    keySerde: t.keySerde,
    valueSerde: t.valueSerde,
    storeName: undefined,
    // The buffer forwards the changes it holds: old values come from the parent.
    enableSendingOldValues: () => t.enableSendingOldValues(),
  })
}
