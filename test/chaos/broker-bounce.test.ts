// The broker killed with kill -9 and restarted under the running apps (a broker of the test's own, always stopped).
// Found by this scenario (docs/chaos.md, finding 2): the first send that failed while the broker was
// down was fatal, and every instance ended in ERROR; a retriable client error now closes the tasks
// dirty and rejoins, within taskTimeoutMs, as Kafka Streams' task.timeout.ms.
import { chaosTest } from './scenario-test.ts'

await chaosTest('broker-bounce', 'the broker killed and restarted while the apps run', {
  durationS: 10,
  faults: 2,
})
