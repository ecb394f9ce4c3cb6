// Poison pills, one per thousand inputs, and a kill -9: each unreadable input dead-lettered exactly once.
import assert from 'node:assert/strict'
import { chaosTest } from './scenario-test.ts'

await chaosTest('poison', 'poison pills one per thousand, dead-lettered exactly once across a kill', {
  durationS: 30,
  rate: 150,
  faults: 1,
  check: (report) => {
    const pills = Object.entries(report.load.kinds).filter(([k]) => k.startsWith('poison')).reduce((n, [, c]) => n + c, 0)
    assert.ok(pills > 0, 'poison pills were sent')
    assert.ok((report.verdict.counts.deadLetters ?? 0) >= pills, 'every poison pill is in the DLQ')
  },
})
