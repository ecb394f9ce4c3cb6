import type { StateStore } from './store.ts'

/** Receives how to take back one write: calling `undo` restores what the write replaced. */
export type UndoRecorder = (undo: () => void) => void

/**
 * A store that records how to take back its own writes. Key-value stores are made undoable from
 * outside (a previous `get` per write, see the task's undo log); window, session and suppression
 * buffer stores know better how to reverse a write (a duplicate in a join window is removed by
 * its sequence number, which only the store knows), so the task's undo log installs a recorder
 * and the store reports each write's compensation to it. Compensations write through the whole
 * store stack, so the changelog receives compensating records too.
 */
export interface SelfUndoingStore {
  /** Installs (or with null removes) the recorder; while none is installed writes record nothing. */
  setUndoRecorder(recorder: UndoRecorder | null): void
}

export function isSelfUndoingStore(store: StateStore): store is StateStore & SelfUndoingStore {
  return typeof (store as Partial<SelfUndoingStore>).setUndoRecorder === 'function'
}
