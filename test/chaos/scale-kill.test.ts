// The scale sequence with three kill -9, exactly-once, commit interval 5 s (kills inside open transactions).
import assert from 'node:assert/strict'
import { chaosTest } from './scenario-test.ts'

await chaosTest('scale-kill', 'three kill -9 during the scale sequence, inside open transactions', {
  durationS: 15,
  faults: 3,
  check: (report) => {
    assert.ok(report.faults.every((f) => (f.openTransactions ?? 0) > 0), 'each kill landed while transactions were open')
    assert.ok(report.instances.some((i) => i.wiped > 0), 'an instance restarted after an unclean stop wiped its task state')
  },
})
