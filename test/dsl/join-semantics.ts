import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { DROPPED_RECORDS_CHANNEL, type DroppedRecord } from '../../src/processors/dropped-records.ts'
import { silentLogger } from '../../src/instrumentation/logger.ts'
import { Serdes } from '../../src/serdes/serdes.ts'
import { TopologyTestDriver } from '../../src/testing/index.ts'
import type { Topology } from '../../src/topology/topology.ts'

/**
 * Kafka Streams' join semantics tables (cwiki "Kafka Streams Join Semantics" and the developer
 * guide): one key, two inputs, each step one record; `null` is a null value (a tombstone for a
 * table). The expected column lists what the join emits at that step.
 */
export type Side = 'left' | 'right'
export interface Step {
  readonly ts: number
  readonly side: Side
  readonly value: string | null
}

export const SEMANTICS_INPUT: ReadonlyArray<Step> = [
  { ts: 1, side: 'left', value: null },
  { ts: 2, side: 'right', value: null },
  { ts: 3, side: 'left', value: 'A' },
  { ts: 4, side: 'right', value: 'a' },
  { ts: 5, side: 'left', value: 'B' },
  { ts: 6, side: 'right', value: 'b' },
  { ts: 7, side: 'left', value: null },
  { ts: 8, side: 'right', value: null },
  { ts: 9, side: 'left', value: 'C' },
  { ts: 10, side: 'right', value: 'c' },
  { ts: 11, side: 'right', value: null },
  { ts: 12, side: 'left', value: null },
  { ts: 13, side: 'right', value: null },
  { ts: 14, side: 'right', value: 'd' },
  { ts: 15, side: 'left', value: 'D' },
]

export const str = Serdes.string()

/** Test drivers that do not log the records the joins drop on purpose (tests count them instead). */
export const QUIET = { logger: silentLogger } as const

/** `A-a`, `A-null`, `null-d`: how the tables write a joined pair. */
export const pair = (v: string | null, o: string | null): string => `${v}-${o}`

/**
 * Pipes the steps into topics `left` / `right` (key `k`) and returns, per step, the values the
 * topology wrote to `out` (a deleted row reads `null`).
 */
export function runSteps(topology: Topology, steps: ReadonlyArray<Step> = SEMANTICS_INPUT): Array<Array<string | null>> {
  const driver = new TopologyTestDriver(topology, QUIET)
  try {
    const left = driver.createInputTopic('left', str, str)
    const right = driver.createInputTopic('right', str, str)
    const out = driver.createOutputTopic('out', str, str)
    return steps.map((step) => {
      ;(step.side === 'left' ? left : right).pipeInput('k', step.value as string, step.ts)
      return out.readValuesToList()
    })
  } finally {
    driver.close()
  }
}

/** Collects what DSL operators drop on purpose while `body` runs. */
export function collectDropped(body: () => void): DroppedRecord[] {
  const dropped: DroppedRecord[] = []
  const listener = (message: unknown): void => {
    dropped.push(message as DroppedRecord)
  }
  subscribe(DROPPED_RECORDS_CHANNEL, listener)
  try {
    body()
  } finally {
    unsubscribe(DROPPED_RECORDS_CHANNEL, listener)
  }
  return dropped
}

/** Like `collectDropped`, for code that awaits: collects until `stop()`. */
export function subscribeDropped(): { readonly records: DroppedRecord[]; stop(): void } {
  const records: DroppedRecord[] = []
  const listener = (message: unknown): void => {
    records.push(message as DroppedRecord)
  }
  subscribe(DROPPED_RECORDS_CHANNEL, listener)
  return { records, stop: () => unsubscribe(DROPPED_RECORDS_CHANNEL, listener) }
}
