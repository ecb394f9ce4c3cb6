/**
 * The command line the example runners share: the flags every app has, their checks, and where
 * the app runs (the embedded broker, or the Kafka cluster in KAFKA_BROKERS).
 */
import type { ProcessingGuarantee, StoreType } from 'kstreams'

/** The flags of every runner; `parseArgs({ options: { ...runnerOptions(id), ...own } })`. */
export function runnerOptions<Id extends string>(appId: Id) {
  return {
    'bad': { type: 'string', default: '0.05' },
    'seed': { type: 'string', default: '42' },
    'partitions': { type: 'string', default: '4' },
    'guarantee': { type: 'string', default: 'exactly_once' },
    'store': { type: 'string', default: 'rocksdb' },
    'timeout': { type: 'string', default: '120' },
    'serve': { type: 'boolean', default: false },
    'port': { type: 'string', default: '8080' },
    'no-load': { type: 'boolean', default: false },
    'app-id': { type: 'string', default: appId },
    'state-dir': { type: 'string' },
    'commit-interval': { type: 'string' },
  } as const
}

export interface RunnerFlags {
  readonly 'bad': string
  readonly 'guarantee': string
  readonly 'store': string
  readonly 'partitions': string
  readonly 'no-load': boolean
  readonly 'commit-interval'?: string | undefined
}

export interface Cli {
  /** Prints the problem, points at the flags documented in `file`, and exits with code 2. */
  usage(problem: string): never
  /** The flag as a whole number of at least `min`, or `usage`. */
  int(name: string, value: string, min: number): number
}

export function cli(file: string): Cli {
  function usage(problem: string): never {
    console.error(`${problem}\nsee the flags at the top of ${file}`)
    process.exit(2)
  }
  const int = (name: string, value: string, min: number): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min) usage(`--${name} must be a whole number >= ${min}, got "${value}"`)
    return n
  }
  return { usage, int }
}

export interface RunnerSettings {
  readonly badRatio: number
  readonly guarantee: ProcessingGuarantee
  readonly storeType: StoreType
  readonly partitions: number
  /** False with `--no-load`: only run (and serve), another process sends the load. */
  readonly loading: boolean
  /** `--commit-interval MS`; unset: the runtime's default (100 ms under exactly-once). */
  readonly commitIntervalMs?: number
}

/** Checks the shared flags (exiting through `usage` on a bad one). */
export function runnerSettings(flags: RunnerFlags, { usage, int }: Cli): RunnerSettings {
  const badRatio = Number(flags.bad)
  if (!(badRatio >= 0 && badRatio <= 1)) usage(`--bad must be between 0 and 1, got "${flags.bad}"`)
  if (flags.guarantee !== 'exactly_once' && flags.guarantee !== 'at_least_once') usage('--guarantee must be exactly_once or at_least_once')
  if (flags.store !== 'rocksdb' && flags.store !== 'memory') usage('--store must be rocksdb or memory')
  return {
    badRatio,
    guarantee: flags.guarantee as ProcessingGuarantee,
    storeType: flags.store as StoreType,
    partitions: int('partitions', flags.partitions, 1),
    loading: !flags['no-load'],
    ...(flags['commit-interval'] !== undefined ? { commitIntervalMs: int('commit-interval', flags['commit-interval'], 0) } : {}),
  }
}

export interface Brokers {
  /** The KAFKA_BROKERS list; empty means the embedded broker. */
  readonly brokers: string[]
  readonly onKafka: boolean
  /** For the first line: `Kafka at …` or `the embedded broker`. */
  readonly where: string
}

export function kafkaBrokers(env: NodeJS.ProcessEnv = process.env): Brokers {
  const brokers = (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean)
  const onKafka = brokers.length > 0
  return { brokers, onKafka, where: onKafka ? `Kafka at ${brokers.join(',')}` : 'the embedded broker' }
}

/** Numbers as the runners print them: 20,000. */
export const num = (n: number): string => n.toLocaleString('en-US')
