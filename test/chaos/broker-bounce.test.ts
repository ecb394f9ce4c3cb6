// The broker killed with kill -9 and restarted under the running apps (a broker of the test's own, always stopped).
import { chaosTest } from './scenario-test.ts'

await chaosTest('broker-bounce', 'the broker killed and restarted while the apps run', {
  durationS: 10,
  faults: 2,
  // Found by this scenario (docs/chaos.md): after a ~20 s outage every instance ends in ERROR
  // instead of resuming once the broker is back.
  todo: 'instances go to ERROR when the broker is down ~20 s and never resume',
})
