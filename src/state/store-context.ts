import type { RestoreCallback, StateStore, StateStoreContext } from './store.ts'

/** Contexts whose `register` already names the outermost store. */
const rooted = new WeakSet<StateStoreContext>()

interface Overrides {
  register?: (store: StateStore, restore: RestoreCallback) => void
  currentTimestamp?: () => number
}

/**
 * A context that delegates to `context` except for the given members. Written out member by
 * member (not a spread or Proxy) so getters and class methods keep their receiver and a new
 * contract member fails the type check here instead of silently vanishing.
 */
export function deriveContext(context: StateStoreContext, overrides: Overrides): StateStoreContext {
  const derived: StateStoreContext = {
    get applicationId() {
      return context.applicationId
    },
    get taskId() {
      return context.taskId
    },
    get taskStateDir() {
      return context.taskStateDir
    },
    get partition() {
      return context.partition
    },
    changelogTopic: (storeName) => context.changelogTopic(storeName),
    register: overrides.register ?? ((store, restore) => context.register(store, restore)),
    logChange: (storeName, key, value, timestamp) => context.logChange(storeName, key, value, timestamp),
    currentTimestamp: overrides.currentTimestamp ?? (() => context.currentTimestamp()),
  }
  if (rooted.has(context)) rooted.add(derived)
  return derived
}

/**
 * The context the layers below `root` see: whatever store registers itself, the task's state
 * manager learns the outermost store (as Kafka passes `root` to `init`), while the restore
 * callback stays the inner store's, so restored bytes bypass change logging and caching.
 */
export function rootContext(context: StateStoreContext, root: StateStore): StateStoreContext {
  if (rooted.has(context)) return context
  const derived = deriveContext(context, { register: (_store, restore) => context.register(root, restore) })
  rooted.add(derived)
  return derived
}
