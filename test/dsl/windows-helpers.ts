import type { TaskLogger } from '../../src/runtime/task/task-config.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import type { Serde } from '../../src/serdes/serde.ts'
import type { Windowed } from '../../src/state/windowed.ts'
import { TopologyTestDriver, type TopologyTestDriverOptions } from '../../src/testing/index.ts'
import type { Topology } from '../../src/topology/topology.ts'

export const str = Serdes.string()
export const num = Serdes.long()

/** One windowed output record as `[key, start, end, value, timestamp]`. */
export type WindowedRow<V> = [string, number, number, V | null, number]

export function rows<V>(records: ReadonlyArray<{ key: Windowed<string>; value: V | null; timestamp: number }>): WindowedRow<V>[] {
  return records.map((r) => [r.key.key, r.key.window.start, r.key.window.end, r.value, r.timestamp])
}

export interface Warning {
  readonly object: { readonly [key: string]: unknown }
  readonly message: string
}

/** A logger that keeps the warnings (late records must be logged, never silent). */
export function capturingLogger(): TaskLogger & { readonly warnings: Warning[] } {
  const warnings: Warning[] = []
  return {
    warnings,
    warn(object, message) {
      warnings.push({ object: object as Warning['object'], message })
    },
  }
}

export function withDriver(topology: Topology, options: TopologyTestDriverOptions, body: (driver: TopologyTestDriver) => void): void {
  const driver = new TopologyTestDriver(topology, options)
  try {
    body(driver)
  } finally {
    driver.close()
  }
}

/** Reads every record of a windowed output topic. */
export function readWindowed<V>(driver: TopologyTestDriver, topic: string, keySerde: Serde<Windowed<string>>, valueSerde: Serde<V>): WindowedRow<V>[] {
  return rows(driver.createOutputTopic(topic, keySerde, valueSerde).readRecordsToList())
}
