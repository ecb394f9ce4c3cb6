import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { open, readFile, rename, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { CheckpointCorruptedError } from './errors.ts'

export interface TopicPartitionOffset {
  readonly topic: string
  readonly partition: number
  readonly offset: number
}

const VERSION = 0
const FILE_NAME = '.checkpoint'

/** `<taskStateDir>/.checkpoint`, where Kafka Streams keeps a task's changelog offsets. */
export function checkpointPath(taskStateDir: string): string {
  return join(taskStateDir, FILE_NAME)
}

/**
 * The offsets up to which a task's local stores reflect their changelogs (Kafka's
 * `OffsetCheckpoint`), in Kafka's text format so a state directory reads the same in both:
 *
 *     0                      ← format version
 *     2                      ← number of entries
 *     app-store-changelog 3 1042
 *     app-other-changelog 3 17
 *
 * Writes go to `<file>.tmp`, are fsynced, then renamed over the file (and the directory fsynced),
 * so a crash leaves the old file or the new one, never a torn one. An empty map writes nothing,
 * as in Kafka. A missing file reads as no offsets; an unreadable one throws
 * `CheckpointCorruptedError`, which the runtime answers by wiping the task's state.
 */
export class OffsetCheckpoint {
  readonly path: string

  constructor(path: string) {
    this.path = path
  }

  static forTask(taskStateDir: string): OffsetCheckpoint {
    return new OffsetCheckpoint(checkpointPath(taskStateDir))
  }

  write(offsets: Iterable<TopicPartitionOffset>): void {
    const text = this.#format(offsets)
    if (text === null) return
    const temp = `${this.path}.tmp`
    const fd = openSync(temp, 'w')
    try {
      writeFileSync(fd, text)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temp, this.path)
    syncDirectory(dirname(this.path))
  }

  async writeAsync(offsets: Iterable<TopicPartitionOffset>): Promise<void> {
    const text = this.#format(offsets)
    if (text === null) return
    const temp = `${this.path}.tmp`
    const file = await open(temp, 'w')
    try {
      await file.writeFile(text)
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(temp, this.path)
    syncDirectory(dirname(this.path))
  }

  read(): TopicPartitionOffset[] {
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw err
    }
    return this.#parse(text)
  }

  async readAsync(): Promise<TopicPartitionOffset[]> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw err
    }
    return this.#parse(text)
  }

  delete(): void {
    rmSync(this.path, { force: true })
  }

  async deleteAsync(): Promise<void> {
    await rm(this.path, { force: true })
  }

  #format(offsets: Iterable<TopicPartitionOffset>): string | null {
    const lines: string[] = []
    for (const { topic, partition, offset } of offsets) {
      if (!/^[A-Za-z0-9._-]+$/.test(topic)) throw new TypeError(`Invalid topic name for a checkpoint: "${topic}"`)
      if (!Number.isSafeInteger(partition) || partition < 0) throw new TypeError(`Invalid partition ${partition} for ${topic}`)
      if (!Number.isSafeInteger(offset)) throw new TypeError(`Invalid offset ${offset} for ${topic}-${partition}`)
      lines.push(`${topic} ${partition} ${offset}`)
    }
    if (lines.length === 0) return null
    return `${VERSION}\n${lines.length}\n${lines.join('\n')}\n`
  }

  #parse(text: string): TopicPartitionOffset[] {
    const lines = text.split('\n').map((line) => line.trim())
    // A well-formed file ends with a newline; a missing one means the write was cut short.
    if (lines.pop() !== '') throw new CheckpointCorruptedError(this.path, 'file ended prematurely')
    if (lines.length < 2) throw new CheckpointCorruptedError(this.path, 'file ended prematurely')
    const version = parseInteger(lines[0]!)
    if (version === null) throw new CheckpointCorruptedError(this.path, `malformed version line '${lines[0]}'`)
    if (version !== VERSION) throw new CheckpointCorruptedError(this.path, `unknown offset checkpoint version: ${version}`)
    const expected = parseInteger(lines[1]!)
    if (expected === null || expected < 0) throw new CheckpointCorruptedError(this.path, `malformed count line '${lines[1]}'`)
    const byPartition = new Map<string, TopicPartitionOffset>()
    for (const line of lines.slice(2)) {
      const pieces = line.trim().split(/\s+/)
      const partition = pieces.length === 3 ? parseInteger(pieces[1]!) : null
      const offset = pieces.length === 3 ? parseInteger(pieces[2]!) : null
      if (partition === null || offset === null || partition < 0) {
        throw new CheckpointCorruptedError(this.path, `malformed line '${line}'`)
      }
      const topic = pieces[0]!
      byPartition.set(`${topic}\u0000${partition}`, { topic, partition, offset })
    }
    if (byPartition.size !== expected) {
      throw new CheckpointCorruptedError(this.path, `expected ${expected} entries but found ${byPartition.size}`)
    }
    return [...byPartition.values()]
  }
}

function parseInteger(text: string): number | null {
  if (!/^-?\d+$/.test(text)) return null
  const value = Number(text)
  return Number.isSafeInteger(value) ? value : null
}

/** Makes the rename itself durable; some platforms cannot open a directory, which only weakens that. */
function syncDirectory(directory: string): void {
  let fd: number | undefined
  try {
    fd = openSync(directory, 'r')
    fsyncSync(fd)
  } catch {
    // best effort, as Kafka's Utils.atomicMoveWithFallback
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}
