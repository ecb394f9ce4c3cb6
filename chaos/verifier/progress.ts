/**
 * Liveness beside the safety invariants: once the load has stopped and the app has gone quiet, its
 * consumer group must have consumed every committed record of every topic it reads. Without this,
 * an app whose task stalled after a fault would be verified too early, and its unconsumed records
 * would pass for lost ones; with it, a failed output invariant tells which it was — records never
 * consumed (a stall) or consumed without their output (a loss).
 */
import type { Kafka } from 'kafkajs'
import { endOffsets, readPartitionFrom } from './read.ts'
import { num, sample } from './verdict.ts'
import type { Invariant } from './verdict.ts'

export interface Unconsumed {
  readonly topic: string
  readonly partition: number
  /** The group's committed offset (-1: none). */
  readonly committed: number
  /** Committed records at or past it. */
  readonly records: number
  readonly firstOffset: number
}

/**
 * The partitions of `topics` (the app's source topics; every `<groupId>-…-repartition` topic is
 * added) where committed records sit at or past `groupId`'s committed offset.
 */
export async function unconsumed(kafka: Kafka, groupId: string, topics: ReadonlyArray<string>): Promise<Unconsumed[]> {
  const admin = kafka.admin()
  await admin.connect()
  let offsets: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>
  let all: string[]
  try {
    all = await admin.listTopics()
    const sources = [...new Set([...topics, ...all.filter((t) => t.startsWith(`${groupId}-`) && t.endsWith('-repartition'))])].filter((t) => all.includes(t))
    offsets = await admin.fetchOffsets({ groupId, topics: sources })
  } finally {
    await admin.disconnect()
  }
  const ends = await endOffsets(kafka, offsets.map((o) => o.topic), 'read_committed')
  const out: Unconsumed[] = []
  for (const { topic, partitions } of offsets) {
    for (const { partition, offset } of partitions) {
      const committed = Number(offset)
      // Under exactly-once a caught-up group sits just below the end: the last commit marker.
      if (committed >= (ends.get(`${topic}:${partition}`) ?? 0)) continue
      const left = await readPartitionFrom(kafka, topic, partition, Math.max(0, committed))
      if (left.length > 0) out.push({ topic, partition, committed, records: left.length, firstOffset: left[0]!.offset })
    }
  }
  return out
}

/** Waits (up to `timeoutMs`) for the group to consume its source topics to the end; what is left. */
export async function awaitConsumed(kafka: Kafka, groupId: string, topics: ReadonlyArray<string>, timeoutMs: number, onWait?: (left: ReadonlyArray<Unconsumed>) => void): Promise<Unconsumed[]> {
  const deadline = Date.now() + timeoutMs
  let reported = 0
  for (;;) {
    const left = await unconsumed(kafka, groupId, topics)
    if (left.length === 0 || Date.now() > deadline) return left
    // What is left, now and then: a stall shows as the same partitions at the same offsets.
    if (Date.now() - reported >= 10_000) {
      reported = Date.now()
      onWait?.(left)
    }
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
}

export const describeUnconsumed = (left: ReadonlyArray<Unconsumed>): string =>
  left.map((u) => `${u.topic}-${u.partition} ${u.records} left from ${u.firstOffset} (group at ${u.committed})`).join('; ')

export function consumedInvariant(groupId: string, left: ReadonlyArray<Unconsumed>): Invariant {
  const total = left.reduce((n, u) => n + u.records, 0)
  return {
    name: `the app consumed every committed record of its source topics (group ${groupId})`,
    ok: left.length === 0,
    detail: left.length === 0
      ? 'every source partition consumed to its end'
      : `${num(total)} records never consumed in ${left.length} partitions` +
        sample(left.map((u) => `${u.topic}-${u.partition}: ${num(u.records)} from offset ${u.firstOffset}, group at ${u.committed}`), 6),
  }
}
