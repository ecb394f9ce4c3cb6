// The payments app scaled 1 → 2 → 3 → 2 → 3 → 2 → 1 with clean stops while load flows.
import { chaosTest } from './scenario-test.ts'

await chaosTest('scale', 'clean scale sequence 1 → 2 → 3 → 2 → 3 → 2 → 1 under load', { durationS: 15, faults: 3 })
