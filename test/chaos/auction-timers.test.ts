// Auctions expiring while instances are killed and restarted: each expiry fires exactly once.
import assert from 'node:assert/strict'
import { chaosTest } from './scenario-test.ts'

await chaosTest('auction-timers', 'each auction expiry fires exactly once across kill -9s', {
  durationS: 20,
  faults: 2,
  check: (report) => assert.ok((report.verdict.counts.completed ?? 0) > 0, 'auctions completed'),
})
