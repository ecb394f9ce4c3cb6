/**
 * The exactly-once dead-letter test's app as its own process (`node dlq-eos-app.ts`), so that it
 * can die by SIGKILL: the accept topology with `processingExceptionHandler: 'dlq'` under
 * exactly-once. With `crashAfterDeadLetter` it kills itself at commit step 2 — the dead letter and
 * the output flushed into the open transaction, nothing committed — once it has dead-lettered.
 * Config: JSON in KSTREAMS_DLQ_APP. Reports JSON lines on stdout: `started`, `crashing`, `error`.
 */
import { subscribe } from 'node:diagnostics_channel'
import { writeSync } from 'node:fs'
import { KafkaStreams, testingHooks } from '../../../src/runtime/kafka-streams.ts'
import { DEAD_LETTER_CHANNEL } from '../../../src/runtime/task/dead-letter-queue.ts'
import { acceptTopology, fastKafka, quietLogger } from './dlq-kafka.ts'

interface Config {
  readonly applicationId: string
  readonly input: string
  readonly output: string
  readonly stateDir: string
  readonly crashAfterDeadLetter?: boolean
}

const config = JSON.parse(process.env.KSTREAMS_DLQ_APP ?? '{}') as Config
const emit = (event: object): void => void writeSync(1, `${JSON.stringify({ pid: process.pid, ...event })}\n`)

let deadLetters = 0
subscribe(DEAD_LETTER_CHANNEL, () => void deadLetters++)

const streams = new KafkaStreams(acceptTopology(config.input, config.output, new Set(['bad'])), {
  applicationId: config.applicationId,
  kafka: fastKafka(`dlq-eos-${process.pid}`),
  stateDir: config.stateDir,
  logger: quietLogger(),
  processingGuarantee: 'exactly_once',
  commitIntervalMs: 200,
  pollMs: 50,
  processingExceptionHandler: 'dlq',
  [testingHooks]: {
    afterCommitStep: (step: number) => {
      if (config.crashAfterDeadLetter && step === 2 && deadLetters > 0) {
        emit({ type: 'crashing', deadLetters })
        process.kill(process.pid, 'SIGKILL')
      }
    },
  },
} as ConstructorParameters<typeof KafkaStreams>[1])
streams.on('error', (error) => emit({ type: 'error', message: (error as Error).message }))
await streams.start()
emit({ type: 'started' })
