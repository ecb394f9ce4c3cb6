import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { KafkaJsClientConfig } from '../client/kafkajs/kafkajs-client.ts'
import { replayDeadLetters, type ReplayResult } from './dlq-replay.ts'

const USAGE = `Usage: kstreams-dlq replay --brokers host:port[,host:port] --application-id <id> [options]

Re-sends the dead letters of an application to the topics they were consumed from, each once:
progress is the committed offset of the consumer group <application-id>-dlq-replay.

Options:
  --brokers <list>          Kafka bootstrap servers, comma-separated (or KAFKA_BROKERS)
  --client-config <file>    JSON with further client settings (ssl, sasl, clientId, ...)
  --application-id <id>     the Kafka Streams application id
  --dlq-topic <topic>       default <application-id>-dlq
  --group <id>              default <application-id>-dlq-replay
  --dry-run                 list what would be sent; send and commit nothing
  --help
`

/** The `kstreams-dlq` command; returns the exit code. Output goes to the given writers (tests capture it). */
export async function main(argv: ReadonlyArray<string>, out: (line: string) => void = console.log, err: (line: string) => void = console.error): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        brokers: { type: 'string' },
        'client-config': { type: 'string' },
        'application-id': { type: 'string' },
        'dlq-topic': { type: 'string' },
        group: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    })
  } catch (error) {
    err(`${(error as Error).message}\n\n${USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.help) {
    out(USAGE)
    return 0
  }
  let settings: Partial<KafkaJsClientConfig> = {}
  try {
    if (values['client-config'] !== undefined) settings = JSON.parse(readFileSync(values['client-config'], 'utf8')) as Partial<KafkaJsClientConfig>
  } catch (error) {
    err(`kstreams-dlq: cannot read --client-config: ${(error as Error).message}`)
    return 2
  }
  const brokers = (values.brokers ?? settings.brokers?.join(',') ?? process.env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter((b) => b.length > 0)
  const applicationId = values['application-id']
  if (positionals[0] !== 'replay' || positionals.length !== 1 || brokers.length === 0 || applicationId === undefined) {
    err(USAGE)
    return 2
  }
  try {
    const result = await replayDeadLetters({
      applicationId,
      kafka: { clientId: `${applicationId}-dlq-replay`, ...settings, brokers },
      ...(values['dlq-topic'] !== undefined && { dlqTopic: values['dlq-topic'] }),
      ...(values.group !== undefined && { groupId: values.group }),
      dryRun: values['dry-run'],
    })
    for (const line of describe(result)) out(line)
    return 0
  } catch (error) {
    err(`kstreams-dlq: ${(error as Error).message}`)
    return 1
  }
}

export function describe(result: ReplayResult): string[] {
  const lines: string[] = []
  const verb = result.dryRun ? 'would send' : 'sent'
  for (const { deadLetter: d, action, reason } of result.deadLetters) {
    const where = `${d.dlqTopic}-${d.dlqPartition}@${d.dlqOffset}`
    const origin = d.topic === undefined ? '(no source record)' : `${d.topic}-${d.partition}@${d.offset}`
    const what = action === 'sent' ? `${verb} to ${d.topic}` : `passed over: ${reason}`
    lines.push(`${where}  ${origin}  ${d.exception ?? '?'} at ${d.node ?? '?'}: ${what}`)
  }
  const summary = result.dryRun ? `dry run: would send ${result.sent}` : `sent ${result.sent}`
  lines.push(`${summary}, passed over ${result.passedOver} (topic ${result.dlqTopic}, group ${result.groupId})`)
  return lines
}
