// The broker killed with kill -9 and restarted under the running apps (a broker of the test's own, always stopped).
import { chaosTest } from './scenario-test.ts'

await chaosTest('broker-bounce', 'the broker killed and restarted while the apps run', { durationS: 10, faults: 2 })
