import { InvalidStateStoreError } from './errors.ts'
import type { KeyValue, StateStoreContext } from './store.ts'
import { WrappedKeyValueBytesStore } from './wrapped-key-value-store.ts'

/**
 * Sends every write to the store's changelog topic after applying it (Kafka's
 * `ChangeLoggingKeyValueBytesStore`): a put logs the new value, a delete or null put logs a
 * tombstone, stamped with the timestamp of the record being processed. Restores do not pass
 * through here: the inner store's restore callback writes to the inner store directly.
 */
export class ChangeLoggingKeyValueStore extends WrappedKeyValueBytesStore {
  #context: StateStoreContext | null = null

  override init(context: StateStoreContext): void {
    super.init(context)
    this.#context = context
  }

  override close(): void {
    super.close()
    this.#context = null
  }

  override put(key: Buffer, value: Buffer | null): void {
    this.wrapped.put(key, value)
    this.log(key, value)
  }

  override putIfAbsent(key: Buffer, value: Buffer): Buffer | undefined {
    const previous = this.wrapped.putIfAbsent(key, value)
    if (previous === undefined) this.log(key, value)
    return previous
  }

  override putAll(entries: ReadonlyArray<KeyValue<Buffer, Buffer | null>>): void {
    this.wrapped.putAll(entries)
    for (const { key, value } of entries) this.log(key, value)
  }

  override delete(key: Buffer): Buffer | undefined {
    const old = this.wrapped.delete(key)
    this.log(key, null)
    return old
  }

  /** Appends one change; the timestamped variant rewrites the value and timestamp first. */
  protected log(key: Buffer, value: Buffer | null): void {
    const context = this.context()
    context.logChange(this.name, key, value, context.currentTimestamp())
  }

  protected context(): StateStoreContext {
    if (this.#context === null) throw new InvalidStateStoreError(`Store ${this.name} is not initialized`)
    return this.#context
  }
}
