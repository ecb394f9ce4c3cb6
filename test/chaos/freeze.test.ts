// An instance frozen (SIGSTOP) past the session timeout, then thawed: its late writes must never be visible.
import { chaosTest } from './scenario-test.ts'

await chaosTest('freeze', 'a zombie instance frozen past the session timeout is fenced', {
  durationS: 15,
  faults: 2,
})
