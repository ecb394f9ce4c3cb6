import { createRequire, Module } from 'node:module'

/**
 * kafkajs 2.2.4 (its last release: the internals are frozen, see internals.ts) groups each produce
 * batch's messages by partition with `Object.assign(result, { [p]: [...current, message] })`:
 * a new array per message, so quadratic in the messages per partition of one send. A task ships
 * a poll round's output as one send (a thousand records or more per partition), where this took
 * 6% of a stateless pipe's CPU and 14% of a count's. This module puts a linear grouping with the
 * same result in the require cache before kafkajs loads its own; imported by kafkajs-client.ts
 * ahead of kafkajs. If kafkajs was loaded first (an application that imported it before
 * kstreams), nothing changes: the original is only slower.
 */
export function groupMessagesPerPartition<M>(options: {
  readonly topic: string
  readonly partitionMetadata: ReadonlyArray<unknown>
  readonly messages: ReadonlyArray<M>
  readonly partitioner: (args: { topic: string; partitionMetadata: ReadonlyArray<unknown>; message: M }) => number
}): { [partition: number]: M[] } {
  const { topic, partitionMetadata, messages, partitioner } = options
  const result: { [partition: number]: M[] } = {}
  if (partitionMetadata.length === 0) return result
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!
    const partition = partitioner({ topic, partitionMetadata, message })
    const list = result[partition]
    if (list === undefined) result[partition] = [message]
    else list.push(message)
  }
  return result
}

function install(): boolean {
  const require = createRequire(import.meta.url)
  let path: string
  try {
    path = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js')
  } catch {
    return false
  }
  if (require.cache[path] !== undefined) return false
  const replacement = new Module(path)
  replacement.filename = path
  replacement.loaded = true
  replacement.exports = groupMessagesPerPartition
  require.cache[path] = replacement
  return true
}

/** Whether kafkajs will use the linear grouping (false when kafkajs was loaded before kstreams). */
export const linearGroupingInstalled: boolean = install()
