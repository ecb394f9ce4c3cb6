// Checkpoint files corrupted and a state directory deleted before restarts: stores rebuilt from the changelogs.
import assert from 'node:assert/strict'
import { chaosTest } from './scenario-test.ts'

await chaosTest('state-loss', 'corrupted checkpoints and a deleted state directory', {
  durationS: 15,
  faults: 4,
  check: (report) => {
    assert.ok(report.instances.some((i) => i.wiped > 0), 'a corrupted checkpoint made an instance wipe its task state')
    assert.ok(report.instances.reduce((n, i) => n + i.restored, 0) > 0, 'stores were restored from the changelogs')
  },
})
