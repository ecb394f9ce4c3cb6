/**
 * Dead letters under exactly-once on the real broker — an instance killed by SIGKILL after
 * dead-lettering, before its commit, leaves nothing visible, and the restarted one exactly one —
 * and the replay: `kstreams-dlq replay --dry-run` lists, the fixed app processes the replayed
 * record, a rerun replays nothing.
 */
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { replayDeadLetters } from '../../src/dlq.ts'
import { KafkaStreams } from '../../src/runtime/kafka-streams.ts'
import type { StreamsConfig } from '../../src/runtime/streams-config.ts'
import { integrationServices } from '../helpers/services.ts'
import { acceptTopology, brokers, createTopics, deleteTopics, endOffset, fastKafka, produce, quietLogger, readAll, text, unique, waitFor } from './dlq/dlq-kafka.ts'

const services = await integrationServices()
const root = join(import.meta.dirname, '..', '..')
const run = promisify(execFile)

function app(applicationId: string, input: string, output: string, stateDir: string, poison: Set<string>, extra: Partial<StreamsConfig> = {}): KafkaStreams {
  return new KafkaStreams(acceptTopology(input, output, poison), {
    applicationId,
    kafka: fastKafka(applicationId),
    stateDir,
    logger: quietLogger(),
    processingGuarantee: 'exactly_once',
    commitIntervalMs: 200,
    pollMs: 50,
    processingExceptionHandler: 'dlq',
    ...extra,
  })
}

describe('dead letters under exactly-once, and their replay, on the real broker', () => {
  const cleanup: (() => Promise<void> | void)[] = []
  after(async () => {
    for (const fn of cleanup.reverse()) await fn()
  })
  const scenario = async (name: string) => {
    const applicationId = unique(name)
    const input = unique(`${name}-in`)
    const output = unique(`${name}-out`)
    const stateDir = mkdtempSync(join(tmpdir(), 'kstreams-dlq-it-'))
    await createTopics([input, output])
    cleanup.push(() => deleteTopics([input, output, `${applicationId}-dlq`]), () => rmSync(stateDir, { recursive: true, force: true }))
    return { applicationId, input, output, stateDir, dlq: `${applicationId}-dlq` }
  }

  test('kill -9 after dead-lettering, before the commit: no dead letter visible under read_committed; after the restart exactly one', { skip: services.skip, timeout: 60_000 }, async () => {
    const s = await scenario('eos-kill')
    await produce(s.input, [{ key: 'a', value: 'a' }, { key: 'bad', value: 'bad' }, { key: 'b', value: 'b' }])
    const child = spawn(process.execPath, [join(root, 'test/integration/dlq/dlq-eos-app.ts')], {
      env: { ...process.env, KSTREAMS_DLQ_APP: JSON.stringify({ ...s, crashAfterDeadLetter: true }) },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => void (out += chunk.toString()))
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)))
    assert.equal(signal, 'SIGKILL', out)
    assert.match(out, /"type":"crashing","deadLetters":1/)

    assert.equal((await readAll(s.dlq, 'read_uncommitted')).length, 1, 'the dead letter reached the broker inside the open transaction')
    assert.deepEqual(text(await readAll(s.dlq, 'read_committed')), [])
    assert.deepEqual(text(await readAll(s.output, 'read_committed')), [])

    const restarted = app(s.applicationId, s.input, s.output, s.stateDir, new Set(['bad']))
    cleanup.push(() => void restarted.close({ timeoutMs: 10_000 }))
    await restarted.start()
    await waitFor('the restarted instance to commit', async () => (await readAll(s.output)).length >= 2 && (await readAll(s.dlq)).length >= 1, 40_000)
    await restarted.close({ timeoutMs: 10_000 })
    const dead = await readAll(s.dlq)
    assert.deepEqual(text(dead), ['bad'], 'exactly one committed dead letter')
    assert.deepEqual(text(await readAll(s.output)), ['a', 'b'])
  })

  test('replay: --dry-run lists; once fixed the dead letter is processed; a rerun replays nothing', { skip: services.skip, timeout: 60_000 }, async () => {
    const s = await scenario('replay')
    const poison = new Set(['bad'])
    const streams = app(s.applicationId, s.input, s.output, s.stateDir, poison)
    cleanup.push(() => void streams.close({ timeoutMs: 10_000 }))
    await streams.start()
    await produce(s.input, [{ key: 'a', value: 'a' }, { key: 'bad', value: 'bad' }, { key: 'b', value: 'b' }])
    await waitFor('the dead letter and the good records', async () => (await readAll(s.dlq)).length === 1 && (await readAll(s.output)).length === 2)

    const cli = (...args: string[]) => run(process.execPath, [join(root, 'bin/kstreams-dlq.mjs'), 'replay', '--brokers', brokers.join(','), '--application-id', s.applicationId, ...args])
    const dry = await cli('--dry-run')
    assert.match(dry.stdout, new RegExp(`${s.dlq}-0@0  ${s.input}-0@1  Error at accept: would send to ${s.input}`))
    assert.match(dry.stdout, /dry run: would send 1, passed over 0/)
    assert.equal(await endOffset(s.input), 3, 'a dry run sends nothing')

    poison.clear() // the fix
    const replayed = await replayDeadLetters({ kafka: { brokers }, applicationId: s.applicationId })
    assert.equal(replayed.sent, 1)
    await waitFor('the replayed record processed', async () => (await readAll(s.output)).length === 3)

    const rerun = await cli()
    assert.match(rerun.stdout, /^sent 0, passed over 0/m)
    await streams.close({ timeoutMs: 10_000 })
    assert.deepEqual(text(await readAll(s.output)), ['a', 'b', 'bad'])
    assert.deepEqual(text(await readAll(s.dlq)), ['bad'], 'the replayed record was not dead-lettered again')
  })
})
