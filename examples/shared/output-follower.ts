/**
 * Follows an app's output topics with read_committed — as any downstream consumer would, so an
 * aborted transaction's output never counts — from the earliest offset, handing each record on.
 */
import type { KafkaClient } from 'kstreams'

/** One record read back; throwing means "not written by this app" and skips it. */
export type OnOutput = (topic: string, value: Buffer | null, headers: Readonly<Record<string, Buffer | undefined>>) => void

export class OutputFollower {
  readonly #consumer: ReturnType<KafkaClient['consumer']>
  readonly #onOutput: OnOutput
  #loop: Promise<void> | undefined
  #stopped = false

  constructor(client: KafkaClient, groupId: string, topics: string[], onOutput: OnOutput) {
    this.#onOutput = onOutput
    this.#consumer = client.consumer({
      groupId,
      topics,
      isolationLevel: 'read_committed',
      autoOffsetReset: 'earliest',
      rebalanceListener: { onPartitionsAssigned: () => {}, onPartitionsRevoked: () => {} },
    })
  }

  async start(): Promise<void> {
    await this.#consumer.connect()
    this.#loop = (async () => {
      while (!this.#stopped) {
        for (const r of await this.#consumer.poll(100)) {
          try {
            this.#onOutput(r.topic, r.value, r.headers)
          } catch {
            // Not written by this app (unreadable JSON): not one of this run's outcomes.
          }
        }
      }
    })()
  }

  async close(): Promise<void> {
    this.#stopped = true
    await this.#loop?.catch(() => {})
    await this.#consumer.close()
  }
}
