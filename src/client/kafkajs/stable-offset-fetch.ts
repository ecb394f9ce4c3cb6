import type { TopicPartition } from '../port.ts'
import { partitionKey } from '../port.ts'
import { KafkaClientError } from '../errors.ts'

/**
 * OffsetFetch v7 with `require_stable` (KIP-447), which kafkajs 2.2.4 cannot send (it stops at
 * v4). A transactional offset commit becomes visible only after the group coordinator has applied
 * the transaction's marker; until then a plain OffsetFetch answers the previous offsets. A new
 * owner of a task that reads them — right after its producer fenced the old owner, whose last
 * transaction had just committed — reprocesses records whose effects are already in the committed
 * state and output (the chaos `freeze` scenario found duplicated payments this way). With
 * `require_stable` the coordinator answers UNSTABLE_OFFSET_COMMIT while such offsets are pending,
 * and the fetch is asked again until they are final, as the Java consumer does under read_committed.
 *
 * v7 is a "flexible" version: compact strings and arrays, tagged fields, request header v2 and
 * response header v1. kafkajs writes header v1 (without the header's tagged fields) and hands the
 * response back after its correlation id, so the body starts with the request header's empty tag
 * buffer, and decoding skips the response header's.
 */

const OFFSET_FETCH = 9
const VERSION = 7
const UNSTABLE_OFFSET_COMMIT = 88
const COORDINATOR_LOAD_IN_PROGRESS = 14
const COORDINATOR_NOT_AVAILABLE = 15
const NOT_COORDINATOR = 16
const RETRIABLE = new Set([UNSTABLE_OFFSET_COMMIT, COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR])

/** What the request needs of a kafkajs Broker (`broker.connectionPool.send`). */
export interface CoordinatorBroker {
  readonly connectionPool: {
    send(request: { request: RawRequest; response: RawResponse }): Promise<unknown>
  }
}

interface RawRequest {
  readonly apiKey: number
  readonly apiVersion: number
  readonly apiName: string
  /** kafkajs's request framing takes an `Encoder`: it reads `buf` (to check) and `buffer`. */
  encode(): Promise<{ readonly buf: Buffer; readonly buffer: Buffer }>
}

interface RawResponse {
  decode(payload: Buffer): Promise<unknown>
  parse(decoded: unknown): Promise<unknown>
}

export interface StableOffsetFetchCluster {
  findGroupCoordinator(request: { groupId: string }): Promise<CoordinatorBroker>
}

function uvarint(n: number): Buffer {
  const bytes: number[] = []
  while (n > 0x7f) {
    bytes.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  bytes.push(n)
  return Buffer.from(bytes)
}

function compactString(s: string): Buffer {
  const b = Buffer.from(s, 'utf8')
  return Buffer.concat([uvarint(b.length + 1), b])
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}

const EMPTY_TAGS = Buffer.from([0])

/** The request body (preceded by request header v2's empty tag buffer, see above). */
export function encodeOffsetFetchV7(groupId: string, partitions: ReadonlyArray<TopicPartition>, requireStable: boolean): Buffer {
  const byTopic = new Map<string, number[]>()
  for (const p of partitions) {
    const list = byTopic.get(p.topic)
    if (list) list.push(p.partition)
    else byTopic.set(p.topic, [p.partition])
  }
  const parts: Buffer[] = [EMPTY_TAGS, compactString(groupId), uvarint(byTopic.size + 1)]
  for (const [topic, ids] of byTopic) {
    parts.push(compactString(topic), uvarint(ids.length + 1), ...ids.map(int32), EMPTY_TAGS)
  }
  parts.push(Buffer.from([requireStable ? 1 : 0]), EMPTY_TAGS)
  return Buffer.concat(parts)
}

class Reader {
  #offset = 0
  readonly buffer: Buffer
  constructor(buffer: Buffer) {
    this.buffer = buffer
  }
  uvarint(): number {
    let value = 0
    for (let shift = 0; ; shift += 7) {
      const byte = this.buffer.readUInt8(this.#offset++)
      value += (byte & 0x7f) * 2 ** shift
      if ((byte & 0x80) === 0) return value
    }
  }
  int16(): number {
    const v = this.buffer.readInt16BE(this.#offset)
    this.#offset += 2
    return v
  }
  int32(): number {
    const v = this.buffer.readInt32BE(this.#offset)
    this.#offset += 4
    return v
  }
  int64(): bigint {
    const v = this.buffer.readBigInt64BE(this.#offset)
    this.#offset += 8
    return v
  }
  compactString(): string | null {
    const n = this.uvarint()
    if (n === 0) return null
    const s = this.buffer.toString('utf8', this.#offset, this.#offset + n - 1)
    this.#offset += n - 1
    return s
  }
  tags(): void {
    for (let count = this.uvarint(); count > 0; count--) {
      this.uvarint()
      this.#offset += this.uvarint()
    }
  }
}

export interface OffsetFetchV7Result {
  readonly errorCode: number
  readonly partitions: ReadonlyArray<{ readonly topic: string; readonly partition: number; readonly offset: bigint; readonly errorCode: number }>
}

/** The response body, after kafkajs took the correlation id (response header v1's tags first). */
export function decodeOffsetFetchV7(payload: Buffer): OffsetFetchV7Result {
  const r = new Reader(payload)
  r.tags()
  r.int32() // throttle_time_ms
  const partitions: Array<{ topic: string; partition: number; offset: bigint; errorCode: number }> = []
  for (let topics = r.uvarint() - 1; topics > 0; topics--) {
    const topic = r.compactString() ?? ''
    for (let n = r.uvarint() - 1; n > 0; n--) {
      const partition = r.int32()
      const offset = r.int64()
      r.int32() // committed_leader_epoch
      r.compactString() // metadata
      const errorCode = r.int16()
      r.tags()
      partitions.push({ topic, partition, offset, errorCode })
    }
    r.tags()
  }
  const errorCode = r.int16()
  r.tags()
  return { errorCode, partitions }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The group's committed offsets of `partitions` once no transactional commit is pending for them
 * (absent: nothing committed). Asks again while the coordinator answers UNSTABLE_OFFSET_COMMIT
 * or is moving, for up to `timeoutMs`.
 */
export async function fetchStableCommitted(
  cluster: StableOffsetFetchCluster,
  groupId: string,
  partitions: ReadonlyArray<TopicPartition>,
  timeoutMs = 30_000,
): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs
  const body = encodeOffsetFetchV7(groupId, partitions, true)
  for (let delay = 10; ; delay = Math.min(delay * 2, 500)) {
    const coordinator = await cluster.findGroupCoordinator({ groupId })
    const result = (await coordinator.connectionPool.send({
      request: {
        apiKey: OFFSET_FETCH,
        apiVersion: VERSION,
        apiName: 'OffsetFetch',
        encode: async () => ({ buf: body, buffer: body }),
      },
      response: { decode: async (payload: Buffer) => decodeOffsetFetchV7(payload), parse: async (decoded: unknown) => decoded },
    })) as OffsetFetchV7Result
    const errors = [result.errorCode, ...result.partitions.map((p) => p.errorCode)].filter((code) => code !== 0)
    if (errors.length === 0) {
      const out = new Map<string, number>()
      for (const p of result.partitions) if (p.offset >= 0n) out.set(partitionKey(p.topic, p.partition), Number(p.offset))
      return out
    }
    const fatal = errors.find((code) => !RETRIABLE.has(code))
    if (fatal !== undefined) throw new KafkaClientError(`OffsetFetch for group "${groupId}" failed with error code ${fatal}`)
    if (Date.now() + delay > deadline) {
      throw new KafkaClientError(`OffsetFetch for group "${groupId}": offsets still unstable (error ${errors[0]}) after ${timeoutMs} ms`, { retriable: true })
    }
    await sleep(delay)
  }
}
