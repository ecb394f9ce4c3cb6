// An instance frozen (SIGSTOP) past the session timeout, then thawed: its late writes must never be visible.
import { chaosTest } from './scenario-test.ts'

await chaosTest('freeze', 'a zombie instance frozen past the session timeout is fenced', {
  durationS: 15,
  faults: 2,
  // Found by this scenario (docs/chaos.md): on TaskMigratedError the zombie's stream thread closes
  // its tasks dirty and re-creates them for its stale consumer assignment without rejoining, so its
  // new producers fence the rightful owner; the committed output then holds duplicate CREDITs.
  todo: 'StreamThread.#handleMigration re-creates tasks without rejoining the group: a thawed zombie fences the owner and duplicates committed output',
})
