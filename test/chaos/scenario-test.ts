/**
 * A short run of one chaos scenario as a test: it must inject its faults, keep the committed
 * output growing across each of them, lose no instance it did not stop itself, and pass the
 * independent verifier. The full report goes to the test's diagnostics.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatReport } from '../../chaos/report.ts'
import { runScenario } from '../../chaos/scenarios.ts'
import type { ScenarioName } from '../../chaos/scenarios.ts'
import type { RunReport } from '../../chaos/harness.ts'
import { integrationServices, KAFKA_BROKERS } from '../helpers/services.ts'

export interface ChaosTestOptions {
  readonly durationS: number
  readonly rate?: number
  /** Faults the scenario must have injected. */
  readonly faults: number
  /** Further checks on the report. */
  readonly check?: (report: RunReport) => void
  /** A known library bug this scenario finds: the test runs and reports, as a TODO (never counted as passing). */
  readonly todo?: string
}

export async function chaosTest(scenario: ScenarioName, title: string, options: ChaosTestOptions): Promise<void> {
  const services = await integrationServices()
  test(`chaos ${scenario}: ${title}`, { skip: services.skip, timeout: 600_000, ...(options.todo ? { todo: options.todo } : {}) }, async (t) => {
    services.ready()
    const report = await runScenario({
      scenario,
      durationS: options.durationS,
      brokers: KAFKA_BROKERS,
      ...(options.rate !== undefined ? { rate: options.rate } : {}),
      ...(process.env.KSTREAMS_TEST_VERBOSE ? { print: (line: string) => t.diagnostic(line) } : {}),
    })
    for (const line of formatReport(scenario, report).split('\n')) t.diagnostic(line)
    assert.equal(report.faults.length, options.faults, 'faults injected')
    for (const f of report.faults) {
      assert.ok(f.outputAfter !== undefined && f.outputAfter > f.outputBefore, `the committed output grew across "${f.what}": ${f.outputBefore} → ${f.outputAfter}`)
    }
    assert.ok(report.load.sent > 0, 'load was sent')
    assert.ok((report.verdict.counts.inputs ?? 0) >= report.load.sent, 'the verifier read every input the load generator committed')
    assert.deepEqual(report.unexpectedExits, [], 'no instance exited on its own')
    for (const i of report.verdict.invariants) assert.ok(i.ok, `${i.name}: ${i.detail}`)
    options.check?.(report)
  })
}
